import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { stripeEvents } from '../../src/db/schema/index.js';
import { SHOP_LINE_ITEMS } from '../helpers/shop-stripe-account.js';
import { FIXTURES_DIR, fixture } from '../helpers/stripe-events.js';
import { createTestApp } from '../helpers/test-app.js';

/**
 * Published Stripe events (test/fixtures/stripe): Stripe's own examples made consistent, and the
 * hand-edited payloads another project tests with, several of which reuse one event id for events
 * of different types. Real-shaped input, some of it inconsistent: the app must take each one
 * calmly, and a repeated id is a redelivery whatever it says.
 */
describe("Stripe's published example events", () => {
  it('are each stored once by id and acknowledged, and processing ends each one clearly', async () => {
    const t = createTestApp();
    const session = fixture('derived.event.checkout.session.completed.json').data.object;
    SHOP_LINE_ITEMS.set(session.id, fixture('derived.checkout.session.line_items.list.json').data);
    const names = fs
      .readdirSync(FIXTURES_DIR)
      .filter((name) => /^(sync-engine|derived)\.event\./.test(name))
      .sort();

    const answers: Record<string, boolean> = {};
    for (const name of names) {
      const event = fixture(name);
      event.created = Math.floor(t.clock.now() / 1000); // signed now: Stripe's own clock
      const res = await t.deliver(event);
      expect(res.status, name).toBe(200);
      answers[name] = res.body.duplicate;
    }
    await t.settle();

    expect(
      Object.entries(answers)
        .filter(([, isDuplicate]) => isDuplicate)
        .map(([name]) => name),
    ).toEqual([
      'sync-engine.event.charge_dispute_created.json', // same id as charge_dispute_closed
      'sync-engine.event.charge_refunded.json',
      'sync-engine.event.charge_succeeded.json',
      'sync-engine.event.payment_intent_succeeded.json', // same id as payment_intent_payment_failed
      'sync-engine.event.refund_failed.json', // same id as refund_created
    ]);
    const outcomes = t.ctx.db
      .select({ type: stripeEvents.type, status: stripeEvents.status, lastError: stripeEvents.lastError })
      .from(stripeEvents)
      .orderBy(stripeEvents.type)
      .all();
    expect(outcomes).toEqual([
      { type: 'charge.dispute.closed', status: 'processed', lastError: null },
      { type: 'charge.dispute.created', status: 'processed', lastError: null },
      { type: 'charge.refunded', status: 'processed', lastError: null },
      { type: 'checkout.session.completed', status: 'processed', lastError: null },
      // A live-mode session this test account never made: Stripe answers 404, and the event waits to be retried
      // or replayed.
      {
        type: 'checkout.session.completed',
        status: 'retrying',
        lastError: expect.stringMatching(/^fetching line items of cs_live_\w+ failed: No such checkout session$/),
      },
      { type: 'payment_intent.payment_failed', status: 'ignored', lastError: null },
      { type: 'refund.created', status: 'processed', lastError: null },
    ]);
    // The example session's product carries no `pairs`: its line is kept, unmapped, and funds nothing yet.
    expect(t.totals()).toEqual({ pairs: 0, trapWeeks: 0, supporters: 0 });
  });
});
