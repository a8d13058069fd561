import Stripe from 'stripe';
import { BadRequestError } from '../errors.js';

export interface VerifiedEvent {
  id: string;
  type: string;
  created: number;
  apiVersion: string | null;
  livemode: boolean;
  /** The exact bytes Stripe signed, kept verbatim (for a listed event, Stripe's JSON of it). */
  payload: string;
  /** How it reached us; a webhook unless said otherwise. */
  source?: EventSource;
}

export type EventSource = 'webhook' | 'catch_up' | 'month_check';

const signature = Stripe.webhooks.signature!;

/**
 * Checks the `Stripe-Signature` header over the raw bytes against every active secret (more than
 * one while a secret is rotated), then parses the event. Throws a 400 with a short reason otherwise:
 * a header that is not Stripe's shape or is too old is told apart by reading it here; a signature
 * that does not match is what the stripe library's StripeSignatureVerificationError says, and any
 * other error from it is a bug, thrown on as it is.
 */
export function verifyStripeEvent(
  rawBody: unknown,
  header: string | undefined,
  secrets: readonly string[],
  toleranceSeconds: number,
  nowMs: number,
): VerifiedEvent {
  if (!Buffer.isBuffer(rawBody) || rawBody.length === 0)
    throw new BadRequestError('empty_body', 'The request has no body.');
  if (!header) throw new BadRequestError('missing_signature', 'The Stripe-Signature header is missing.');
  const signedAt = signedAtSeconds(header);
  if (signedAt === null) throw new BadRequestError('malformed_signature', 'The Stripe-Signature header is malformed.');
  if (nowMs / 1000 - signedAt > toleranceSeconds)
    throw new BadRequestError('stale_signature', 'The signature timestamp is too old.');
  const isVerified = secrets.some((secret) => {
    try {
      return signature.verifyHeader(rawBody, header, secret, toleranceSeconds, undefined, nowMs);
    } catch (error) {
      if (error instanceof Stripe.errors.StripeSignatureVerificationError) return false;
      throw error;
    }
  });
  if (!isVerified) throw new BadRequestError('bad_signature', 'The signature does not match the body.');
  return parseStripeEvent(rawBody.toString('utf8'));
}

/** The `t=` of a header of Stripe's shape (`t=<seconds>,v1=<signature>[,…]`), or null for any other shape. */
function signedAtSeconds(header: string): number | null {
  let signedAt: number | null = null;
  let hasSignature = false;
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === 't' && /^\d{1,12}$/.test(value)) signedAt = Number(value);
    if (key === 'v1' && value !== '') hasSignature = true;
  }
  return hasSignature ? signedAt : null;
}

/**
 * Parses an event and checks it has an event's shape. A webhook's body and an event listed by the
 * Events API both pass through here, so a listed event is never trusted less than a delivered one.
 */
export function parseStripeEvent(payload: string): VerifiedEvent {
  let event: unknown;
  try {
    event = JSON.parse(payload);
  } catch {
    throw new BadRequestError('invalid_json', 'The body is not valid JSON.');
  }
  const e = event as Record<string, unknown> | null;
  if (
    !e ||
    typeof e !== 'object' ||
    e.object !== 'event' ||
    typeof e.id !== 'string' ||
    !e.id ||
    typeof e.type !== 'string' ||
    typeof e.created !== 'number'
  ) {
    throw new BadRequestError('not_an_event', 'The body is not a Stripe event (needs object, id, type and created).');
  }
  const data = e.data as Record<string, unknown> | undefined;
  if (!data || typeof data.object !== 'object' || data.object === null) {
    throw new BadRequestError('not_an_event', 'The event has no data.object.');
  }
  return {
    id: e.id,
    type: e.type,
    created: e.created,
    apiVersion: typeof e.api_version === 'string' ? e.api_version : null,
    livemode: e.livemode === true,
    payload,
  };
}
