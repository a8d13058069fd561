import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { orders, stripeEvents } from '../../src/db/schema/index.js';
import { checkoutCompleted, stripeEvent } from '../helpers/stripe-events.js';
import { createTestApp } from '../helpers/test-app.js';

describe('webhook ingestion', () => {
  it('stores an event before answering, and processing credits its pairs', async () => {
    const t = createTestApp();
    const event = checkoutCompleted({ email: 'Ada@Example.org', lines: [{ pairsPerUnit: 3, quantity: 2 }] });

    const res = await t.deliver(event);

    expect(res.status).toBe(200);
    expect(res.body).toEqual({ received: true, duplicate: false });
    const stored = t.ctx.db.select().from(stripeEvents).where(eq(stripeEvents.id, event.id)).get();
    expect(stored?.status).toBe('pending');
    expect(JSON.parse(stored!.payload)).toEqual(event);
    await t.settle();
    expect(t.totals()).toEqual({ pairs: 6, trapWeeks: 6, supporters: 1 });
    const after = t.ctx.db.select().from(stripeEvents).where(eq(stripeEvents.id, event.id)).get();
    expect(after).toMatchObject({ status: 'processed', attempts: 1, lastError: null });
    // Processing may commit without fsync; webhook commits must be back on FULL (2) afterwards.
    expect(t.ctx.database.sqlite.pragma('synchronous', { simple: true })).toBe(2);
  });

  it('counts a purchase once however often Stripe delivers it, one after another', async () => {
    const t = createTestApp();
    const event = checkoutCompleted({ lines: [{ pairsPerUnit: 3 }] });

    const first = await t.deliver(event);
    await t.settle();
    const second = await t.deliver(event);
    const third = await t.deliver(event);
    await t.settle();

    expect(first.body.duplicate).toBe(false);
    expect(second.body).toEqual({ received: true, duplicate: true });
    expect(third.body.duplicate).toBe(true);
    expect(t.totals()).toEqual({ pairs: 3, trapWeeks: 3, supporters: 1 });
    expect(t.ctx.db.select().from(stripeEvents).all()).toHaveLength(1);
  });

  it('counts a purchase once when deliveries race each other', async () => {
    const t = createTestApp();
    const event = checkoutCompleted({ lines: [{ pairsPerUnit: 2 }] });

    const responses = await Promise.all(Array.from({ length: 8 }, () => t.deliver(event)));
    await t.settle();

    expect(responses.map((r) => r.status)).toEqual(Array(8).fill(200));
    expect(responses.filter((r) => r.body.duplicate === false)).toHaveLength(1);
    expect(t.totals()).toEqual({ pairs: 2, trapWeeks: 2, supporters: 1 });
  });

  it('counts the same checkout session once even when it comes in two different events', async () => {
    const t = createTestApp();
    const event = checkoutCompleted({ lines: [{ pairsPerUnit: 2 }] });
    const resent = { ...event, id: `${event.id}_resent` };

    await t.deliver(event);
    await t.deliver(resent);
    await t.settle();

    expect(t.totals().pairs).toBe(2);
    expect(t.ctx.db.select().from(orders).all()).toHaveLength(1);
  });

  it('stores and acknowledges event types it does not handle, changing nothing', async () => {
    const t = createTestApp();
    const event = stripeEvent('customer.created', { id: 'cus_123', object: 'customer', email: 'x@example.org' });

    const res = await t.deliver(event);
    await t.settle();

    expect(res.status).toBe(200);
    expect(t.ctx.db.select().from(stripeEvents).where(eq(stripeEvents.id, event.id)).get()?.status).toBe('ignored');
    expect(t.totals()).toEqual({ pairs: 0, trapWeeks: 0, supporters: 0 });
  });

  it('processes events that were stored but not processed before a restart', async () => {
    const first = createTestApp();
    await first.deliver(checkoutCompleted({ email: 'a@example.org', lines: [{ pairsPerUnit: 3 }] }));
    await first.deliver(checkoutCompleted({ email: 'b@example.org', lines: [{ pairsPerUnit: 1, quantity: 2 }] }));
    expect(first.totals().pairs).toBe(0); // stored, not yet processed
    await first.close();

    const second = createTestApp({ dir: first.dir });
    await second.settle();

    expect(second.totals()).toEqual({ pairs: 5, trapWeeks: 5, supporters: 2 });
  });

  it('marks a malformed event failed with its error and keeps the rest going', async () => {
    const t = createTestApp();
    const broken = stripeEvent('checkout.session.completed', { object: 'checkout.session', payment_status: 'paid' });
    const good = checkoutCompleted({ lines: [{ pairsPerUnit: 4 }] });

    await t.deliver(broken);
    await t.deliver(good);
    await t.settle();

    const row = t.ctx.db.select().from(stripeEvents).where(eq(stripeEvents.id, broken.id)).get();
    expect(row).toMatchObject({ status: 'failed', attempts: 1 });
    expect(row?.lastError).toMatch(/checkout session id is missing/);
    expect(t.totals().pairs).toBe(4);
  });
});
