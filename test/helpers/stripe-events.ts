import fs from 'node:fs';
import path from 'node:path';
import { randomId, simulatedCheckout, stripeEvent, type SimulatedCheckout } from '../../src/stripe/simulated-events.js';
import { SHOP_LINE_ITEMS } from './shop-stripe-account.js';

export { randomId, stripeEvent };

/**
 * A checkout session as Stripe's webhook shows it (no line items), made in the shop's Stripe
 * account: the app fetches its items from there, as it does for every real purchase.
 */
export function checkoutSession(opts: SimulatedCheckout = {}) {
  const { session, lineItems } = simulatedCheckout(opts);
  SHOP_LINE_ITEMS.set(session.id, lineItems);
  return session;
}

/** Real-shaped Stripe objects, with their sources (test/fixtures/stripe/README.md). */
export const FIXTURES_DIR = path.resolve(import.meta.dirname, '../fixtures/stripe');

export function fixture<T = Record<string, any>>(name: string): T {
  return JSON.parse(fs.readFileSync(path.join(FIXTURES_DIR, name), 'utf8')) as T;
}

let clockSeconds = 1_790_000_000;
/** Strictly increasing Stripe `created` times, so tests control which state is newer. */
export const nextCreated = () => ++clockSeconds;

export function checkoutCompleted(
  opts: SimulatedCheckout = {},
  eventOpts: { id?: string; createdSeconds?: number } = {},
) {
  return stripeEvent('checkout.session.completed', checkoutSession(opts), {
    createdSeconds: nextCreated(),
    ...eventOpts,
  });
}

export interface PurchaseFacts {
  session: ReturnType<typeof checkoutSession>;
  paymentIntentId: string;
  chargeId: string;
  amount: number;
  currency: string;
}

export function purchase(opts: SimulatedCheckout = {}): PurchaseFacts {
  const paymentIntentId = opts.paymentIntentId ?? randomId('pi');
  const session = checkoutSession({ ...opts, paymentIntentId });
  return {
    session,
    paymentIntentId,
    chargeId: randomId('ch'),
    amount: session.amount_total,
    currency: session.currency,
  };
}

/** charge.refunded with Stripe's cumulative amount_refunded. */
export function chargeRefunded(p: PurchaseFacts, amountRefunded: number, createdSeconds = nextCreated()) {
  const charge = {
    id: p.chargeId,
    object: 'charge',
    amount: p.amount,
    amount_captured: p.amount,
    amount_refunded: amountRefunded,
    refunded: amountRefunded >= p.amount,
    currency: p.currency,
    payment_intent: p.paymentIntentId,
    status: 'succeeded',
    paid: true,
    captured: true,
  };
  return stripeEvent('charge.refunded', charge, { createdSeconds });
}

export function refundEvent(
  type: string,
  p: PurchaseFacts,
  refund: { id: string; amount: number; status: string },
  createdSeconds = nextCreated(),
) {
  return stripeEvent(
    type,
    {
      id: refund.id,
      object: 'refund',
      amount: refund.amount,
      charge: p.chargeId,
      currency: p.currency,
      payment_intent: p.paymentIntentId,
      status: refund.status,
    },
    { createdSeconds },
  );
}

export function disputeEvent(
  type: string,
  p: PurchaseFacts,
  dispute: { id: string; amount?: number; status: string },
  createdSeconds = nextCreated(),
) {
  return stripeEvent(
    type,
    {
      id: dispute.id,
      object: 'dispute',
      amount: dispute.amount ?? p.amount,
      charge: p.chargeId,
      currency: p.currency,
      payment_intent: p.paymentIntentId,
      status: dispute.status,
      reason: 'fraudulent',
    },
    { createdSeconds },
  );
}
