import Stripe from 'stripe';
import type { LineInput } from '../orders/record-checkout.js';
import { toLineInput } from './stripe-objects.js';
import { TemporaryError } from '../errors.js';

export type LineItemSource = (checkoutSessionId: string) => Promise<LineInput[]>;

/** A Stripe client, pointed at `apiUrl` (a local stand-in) when given. */
export function createStripeClient(secretKey: string | undefined, apiUrl: string | undefined): Stripe {
  const url = apiUrl ? new URL(apiUrl) : null;
  return new Stripe(secretKey ?? 'sk_unset', {
    maxNetworkRetries: 1,
    timeout: 10_000,
    telemetry: false,
    ...(url && {
      host: url.hostname,
      port: Number(url.port || (url.protocol === 'https:' ? 443 : 80)),
      protocol: url.protocol.replace(':', '') as 'http' | 'https',
    }),
  });
}

/**
 * Reads every page of a session's line items with products expanded (for their `pairs` metadata).
 * Any failure is temporary: the event waits and is retried, and nothing is written meanwhile.
 */
export function stripeLineItemSource(stripe: Stripe, hasSecretKey: boolean): LineItemSource {
  return async (checkoutSessionId) => {
    if (!hasSecretKey)
      throw new TemporaryError(
        'stripe_key_missing',
        'STRIPE_SECRET_KEY is not set, so line items cannot be fetched from Stripe',
      );
    const lines: LineInput[] = [];
    try {
      for await (const item of stripe.checkout.sessions.listLineItems(checkoutSessionId, {
        limit: 100,
        expand: ['data.price.product'],
      })) {
        lines.push(toLineInput(item));
      }
    } catch (error) {
      throw new TemporaryError(
        'stripe_unavailable',
        `fetching line items of ${checkoutSessionId} failed: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    return lines;
  };
}

/** Whether a secret or restricted key is for live mode (its prefix says so). */
export function isLiveKey(secretKey: string | undefined): boolean {
  return /^(sk|rk)_live_/.test(secretKey ?? '');
}
