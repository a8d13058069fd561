import { eq } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import { orderLines, products, stripeEvents } from '../../src/db/schema/index.js';
import { eventRetryDelayMs } from '../../src/stripe/event-processor.js';
import { lineItem } from '../../src/stripe/simulated-events.js';
import { checkoutSession, fixture, nextCreated, stripeEvent } from '../helpers/stripe-events.js';
import { startStripeStandIn, type StripeStandIn } from '../helpers/stripe-stand-in.js';
import { createTestApp } from '../helpers/test-app.js';

let standIn: StripeStandIn;
afterEach(async () => standIn?.close());

async function appWithStandIn() {
  standIn = await startStripeStandIn(2);
  return createTestApp({ env: { STRIPE_SECRET_KEY: 'sk_test_stand_in', STRIPE_API_URL: standIn.url } });
}

/** A paid session whose webhook, like Stripe's, carries no line items. */
function sessionWithoutLines(lines: ReturnType<typeof lineItem>[]) {
  const session = checkoutSession();
  const total = lines.reduce((sum, l) => sum + l.amount_total, 0);
  standIn.lineItems.set(session.id, lines);
  return stripeEvent(
    'checkout.session.completed',
    { ...session, amount_total: total, amount_subtotal: total },
    { createdSeconds: nextCreated() },
  );
}

describe('line items from the Stripe API', () => {
  it('reads every page of line items when the webhook carries none', async () => {
    const t = await appWithStandIn();
    const lines = [1, 2, 3, 1, 2].map((pairs, i) => lineItem({ pairsPerUnit: pairs, quantity: i + 1 }, 'gbp'));
    const event = sessionWithoutLines(lines);

    await t.deliver(event);
    await t.settle();

    // 1×1 + 2×2 + 3×3 + 1×4 + 2×5 = 28 pairs over three pages of two.
    expect(t.totals().pairs).toBe(28);
    const pages = standIn.requests.filter((r) => r.includes('/line_items'));
    expect(pages).toHaveLength(3);
    expect(pages[0]).toContain('expand');
    expect(t.ctx.db.select().from(orderLines).all()).toHaveLength(5);
  });

  it('waits while the API is down, writes nothing, and recovers with backoff', async () => {
    const t = await appWithStandIn();
    const event = sessionWithoutLines([
      lineItem({ pairsPerUnit: 3 }, 'gbp'),
      lineItem({ pairsPerUnit: 3 }, 'gbp'),
      lineItem({ pairsPerUnit: 1 }, 'gbp'),
    ]);
    standIn.isDown = true;

    await t.deliver(event);
    await t.settle();

    const waiting = t.ctx.db.select().from(stripeEvents).where(eq(stripeEvents.id, event.id)).get()!;
    expect(waiting).toMatchObject({ status: 'retrying', attempts: 1 });
    expect(waiting.lastError).toMatch(/fetching line items/);
    expect(waiting.nextAttemptAt).toBe(t.clock.now() + eventRetryDelayMs(1));
    expect(t.totals().pairs).toBe(0);
    expect(t.ctx.db.select().from(orderLines).all()).toHaveLength(0); // nothing half-written

    standIn.isDown = false;
    await t.settle(); // not due yet: still waiting
    expect(t.totals().pairs).toBe(0);

    t.clock.advance(eventRetryDelayMs(1));
    await t.settle();
    expect(t.totals().pairs).toBe(7);
    expect(t.ctx.db.select().from(stripeEvents).where(eq(stripeEvents.id, event.id)).get()).toMatchObject({
      status: 'processed',
      attempts: 2,
      lastError: null,
    });
  });

  it('waits with a clear error when no secret key is configured', async () => {
    const t = createTestApp({ env: { STRIPE_SECRET_KEY: '' } });
    const event = stripeEvent('checkout.session.completed', checkoutSession());
    await t.deliver(event);
    await t.settle();
    expect(t.ctx.db.select().from(stripeEvents).where(eq(stripeEvents.id, event.id)).get()?.lastError).toMatch(
      /STRIPE_SECRET_KEY is not set/,
    );
  });

  it('processes the real-shaped fixture session with its listed line items, mapped through the local catalog', async () => {
    const t = await appWithStandIn();
    const event = fixture('derived.event.checkout.session.completed.json');
    const list = fixture('derived.checkout.session.line_items.list.json');
    standIn.lineItems.set(event.data.object.id, list.data);
    // The fixture's product carries no `pairs` metadata: it stays unmapped until the catalog knows it.
    t.ctx.db
      .insert(products)
      .values({
        stripeProductId: 'prod_QXg1hqf4jFNsqG',
        name: 'Leopard socks 2-pack',
        pairsPerUnit: 2,
        updatedAt: t.clock.now(),
      })
      .run();
    event.created = Math.floor(t.clock.now() / 1000);

    await t.deliver(event);
    await t.settle();

    expect(t.totals()).toEqual({ pairs: 2, trapWeeks: 2, supporters: 1 });
  });

  it('uses the line items an event carries, when it carries them, without asking the API', async () => {
    const t = await appWithStandIn();
    const event = stripeEvent(
      'checkout.session.completed',
      checkoutSession({ lines: [{ pairsPerUnit: 3, quantity: 2 }], embedLineItems: true }),
      { createdSeconds: nextCreated() },
    );

    await t.deliver(event);
    await t.settle();

    expect(t.totals().pairs).toBe(6);
    expect(standIn.requests).toEqual([]);
  });

  it('keeps an unknown product as an unmapped line that funds nothing', async () => {
    const t = await appWithStandIn();
    const event = sessionWithoutLines([lineItem({ quantity: 2 }, 'gbp'), lineItem({ pairsPerUnit: 3 }, 'gbp')]);

    await t.deliver(event);
    await t.settle();

    expect(t.totals().pairs).toBe(3);
    const lines = t.ctx.db.select().from(orderLines).all();
    expect(lines.map((l) => l.pairsPerUnit).sort()).toEqual([3, null]);
  });
});
