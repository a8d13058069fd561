import Stripe from 'stripe';
import { AppError, BadRequestError } from '../errors.js';

export interface VerifiedEvent {
  id: string;
  type: string;
  created: number;
  apiVersion: string | null;
  livemode: boolean;
  /** The exact bytes Stripe signed, kept verbatim. */
  payload: string;
}

const signature = Stripe.webhooks.signature!;

/**
 * Checks the `Stripe-Signature` header over the raw bytes against every active secret (more than
 * one while a secret is rotated), then parses the event. Throws a 400 with a short reason otherwise.
 */
export function verifyStripeEvent(rawBody: unknown, header: string | undefined, secrets: readonly string[], toleranceSeconds: number, nowMs: number): VerifiedEvent {
  if (!Buffer.isBuffer(rawBody) || rawBody.length === 0) throw new BadRequestError('empty_body', 'The request has no body.');
  if (!header) throw new BadRequestError('missing_signature', 'The Stripe-Signature header is missing.');
  let lastError: unknown;
  const verified = secrets.some((secret) => {
    try {
      return signature.verifyHeader(rawBody, header, secret, toleranceSeconds, undefined, nowMs);
    } catch (error) {
      lastError = error;
      return false;
    }
  });
  if (!verified) throw signatureError(lastError);
  return parseEvent(rawBody.toString('utf8'));
}

function signatureError(error: unknown): AppError {
  const message = error instanceof Error ? error.message : '';
  if (message.startsWith('Timestamp outside')) return new BadRequestError('stale_signature', 'The signature timestamp is too old.');
  if (message.startsWith('Unable to extract') || message.startsWith('No signatures found with expected scheme')) {
    return new BadRequestError('malformed_signature', 'The Stripe-Signature header is malformed.');
  }
  return new BadRequestError('bad_signature', 'The signature does not match the body.');
}

function parseEvent(payload: string): VerifiedEvent {
  let event: unknown;
  try {
    event = JSON.parse(payload);
  } catch {
    throw new BadRequestError('invalid_json', 'The body is not valid JSON.');
  }
  const e = event as Record<string, unknown> | null;
  if (!e || typeof e !== 'object' || e.object !== 'event' || typeof e.id !== 'string' || !e.id || typeof e.type !== 'string' || typeof e.created !== 'number') {
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
