import { sql } from 'drizzle-orm';
import { afterEach } from 'vitest';
import { catchUpEvents, type CatchUpOptions } from '../../src/stripe/catch-up.js';
import { randomId, type SimulatedCheckout } from '../../src/stripe/simulated-events.js';
import { SHOP_LINE_ITEMS } from './shop-stripe-account.js';
import { checkoutSession } from './stripe-events.js';
import { startStripeStandIn, type StripeEventShape, type StripeStandIn } from './stripe-stand-in.js';
import { createTestApp, type TestApp } from './test-app.js';

export const DAY_SECONDS = 86_400;

export interface Sale {
  session: ReturnType<typeof checkoutSession>;
  event: StripeEventShape;
  chargeId: string;
  paymentIntentId: string;
}

/**
 * A test app and its own Stripe account (a stand-in over real HTTP, on the app's clock): sales,
 * refunds and disputes happen in the account, each with its event, whether or not a webhook
 * brings it to the app.
 */
export interface Shop {
  t: TestApp;
  stripe: StripeStandIn;
  nowSeconds(): number;
  sell(opts?: SimulatedCheckout & { createdSeconds?: number }): Sale;
  refund(sale: Sale, amount: number, createdSeconds?: number): StripeEventShape[];
  dispute(sale: Sale, status: string, createdSeconds?: number): StripeEventShape;
  catchUp(opts?: CatchUpOptions): ReturnType<typeof catchUpEvents>;
  count(query: string): number;
}

const shops: StripeStandIn[] = [];
afterEach(async () => {
  await Promise.all(shops.splice(0).map((s) => s.close()));
});

export async function openShop(opts: { pageSize?: number; env?: Record<string, string> } = {}): Promise<Shop> {
  const stripe = await startStripeStandIn(opts.pageSize ?? 100, SHOP_LINE_ITEMS);
  shops.push(stripe);
  stripe.retryAfterSeconds = 0;
  const t = createTestApp({ env: { STRIPE_SECRET_KEY: 'sk_test_shop', STRIPE_API_URL: stripe.url, ...opts.env } });
  const nowSeconds = () => Math.floor(t.clock.now() / 1000);
  stripe.nowSeconds = nowSeconds;
  const ctx = t.ctx;
  return {
    t,
    stripe,
    nowSeconds,
    sell(sale = {}) {
      const created = sale.createdSeconds ?? nowSeconds();
      const paymentIntentId = randomId('pi');
      const session = checkoutSession({ ...sale, paymentIntentId, createdSeconds: created });
      const event = stripe.record('checkout.session.completed', session, created);
      return { session, event, chargeId: randomId('ch'), paymentIntentId };
    },
    refund(sale, amount, createdSeconds = nowSeconds()) {
      const refund = {
        id: randomId('re'),
        object: 'refund',
        amount,
        charge: sale.chargeId,
        currency: sale.session.currency,
        payment_intent: sale.paymentIntentId,
        status: 'succeeded',
        created: createdSeconds,
      };
      const charge = {
        id: sale.chargeId,
        object: 'charge',
        amount: sale.session.amount_total,
        amount_refunded: amount,
        refunded: amount >= sale.session.amount_total,
        currency: sale.session.currency,
        payment_intent: sale.paymentIntentId,
        status: 'succeeded',
        created: sale.session.created,
      };
      return [
        stripe.record('refund.created', refund, createdSeconds),
        stripe.record('charge.refunded', charge, createdSeconds),
      ];
    },
    dispute(sale, status, createdSeconds = nowSeconds()) {
      const existing = stripe.disputes.get(`dp_${sale.chargeId}`);
      return stripe.record(
        status === 'lost' || status === 'won' ? 'charge.dispute.closed' : 'charge.dispute.created',
        {
          id: `dp_${sale.chargeId}`,
          object: 'dispute',
          amount: sale.session.amount_total,
          charge: sale.chargeId,
          currency: sale.session.currency,
          payment_intent: sale.paymentIntentId,
          status,
          reason: 'fraudulent',
          created: existing?.created ?? createdSeconds,
        },
        createdSeconds,
      );
    },
    catchUp: (options = {}) =>
      catchUpEvents(
        { db: ctx.db, stripe: ctx.stripe, writer: ctx.eventWriter, clock: t.clock, onStored: () => ctx.events.wake() },
        { backoffMs: 1, ...options },
      ),
    count: (query) => ctx.db.get<{ n: number }>(sql.raw(query))!.n,
  };
}
