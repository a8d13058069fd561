import { randomBytes } from 'node:crypto';
import Stripe from 'stripe';

/**
 * Realistic Stripe events for trying the app without a Stripe account (the CLI's
 * simulate:purchase), and for tests and benchmarks. Shapes follow Stripe's own objects.
 */

export interface SimulatedLine {
  pairsPerUnit?: number;
  quantity?: number;
  unitAmountMinor?: number;
  priceId?: string;
  productId?: string;
  description?: string;
}

export interface SimulatedCheckout {
  sessionId?: string;
  paymentIntentId?: string;
  email?: string;
  name?: string | null;
  currency?: string;
  paymentStatus?: 'paid' | 'unpaid' | 'no_payment_required';
  status?: 'open' | 'complete' | 'expired';
  lines?: SimulatedLine[];
  /**
   * Put the line items inside the session. Real webhooks never do (the app fetches them from the
   * API), so only a simulation with no Stripe account behind it does this: simulate:purchase, the
   * benchmarks, and a test about items an event carries.
   */
  embedLineItems?: boolean;
  createdSeconds?: number;
}

export const randomId = (prefix: string) => `${prefix}_${randomBytes(12).toString('hex')}`;

export function lineItem(line: SimulatedLine, currency: string) {
  const quantity = line.quantity ?? 1;
  const unit = line.unitAmountMinor ?? 1200;
  const productId = line.productId ?? randomId('prod');
  return {
    id: randomId('li'),
    object: 'item',
    amount_discount: 0,
    amount_subtotal: unit * quantity,
    amount_tax: 0,
    amount_total: unit * quantity,
    currency,
    description: line.description ?? `Leopard socks (${line.pairsPerUnit ?? 1}-pack)`,
    quantity,
    price: {
      id: line.priceId ?? randomId('price'),
      object: 'price',
      active: true,
      currency,
      type: 'one_time',
      unit_amount: unit,
      product:
        line.pairsPerUnit === undefined
          ? productId
          : { id: productId, object: 'product', name: 'Leopard socks', metadata: { pairs: String(line.pairsPerUnit) } },
    },
  };
}

/** A checkout session as a webhook shows it, and the line items the Stripe API would list for it. */
export function simulatedCheckout(opts: SimulatedCheckout = {}) {
  const currency = opts.currency ?? 'gbp';
  const lineItems = (opts.lines ?? [{ pairsPerUnit: 1 }]).map((line) => lineItem(line, currency));
  return { session: checkoutSession(opts, lineItems), lineItems };
}

/** A checkout session as a webhook shows it: without its line items, unless asked to embed them. */
export function checkoutSession(
  opts: SimulatedCheckout = {},
  items = (opts.lines ?? [{ pairsPerUnit: 1 }]).map((line) => lineItem(line, opts.currency ?? 'gbp')),
) {
  const currency = opts.currency ?? 'gbp';
  const total = items.reduce((sum, item) => sum + item.amount_total, 0);
  const paymentStatus = opts.paymentStatus ?? 'paid';
  return {
    id: opts.sessionId ?? randomId('cs_test'),
    object: 'checkout.session',
    amount_subtotal: total,
    amount_total: total,
    created: opts.createdSeconds ?? Math.floor(Date.now() / 1000),
    currency,
    customer_details: { email: opts.email ?? 'shopper@example.org', name: opts.name ?? null },
    customer_email: null,
    livemode: false,
    metadata: {},
    mode: 'payment',
    payment_intent: opts.paymentIntentId ?? randomId('pi'),
    payment_status: paymentStatus,
    status: opts.status ?? (paymentStatus === 'paid' ? 'complete' : 'complete'),
    ...(opts.embedLineItems && {
      line_items: { object: 'list', data: items, has_more: false, url: '/v1/checkout/sessions/line_items' },
    }),
  };
}

export function stripeEvent<T extends object>(
  type: string,
  object: T,
  opts: { id?: string; createdSeconds?: number } = {},
) {
  return {
    id: opts.id ?? randomId('evt'),
    object: 'event',
    api_version: '2026-10-28.endive',
    created: opts.createdSeconds ?? Math.floor(Date.now() / 1000),
    data: { object },
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    type,
  };
}

/** A Stripe-Signature header for a payload, made by the stripe library itself. */
export function signPayload(payload: string, secret: string, timestampSeconds?: number): string {
  return Stripe.webhooks.generateTestHeaderString({
    payload,
    secret,
    ...(timestampSeconds !== undefined && { timestamp: timestampSeconds }),
  });
}
