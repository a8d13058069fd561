import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { targetPairs } from '../../src/orders/order-impact.js';
import { findSupporterImpact } from '../../src/supporters/supporter-impact.js';
import { findSupporterByEmail } from '../../src/supporters/supporters.queries.js';
import {
  chargeRefunded,
  disputeEvent,
  nextCreated,
  purchase,
  refundEvent,
  stripeEvent,
} from '../helpers/stripe-events.js';
import { createTestApp } from '../helpers/test-app.js';

describe('order impact arithmetic', () => {
  it('never leaves more pairs funded than were paid for, and never reverses more than were sold', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 500 }),
        fc.integer({ min: 1, max: 10_000_000 }),
        fc.nat(),
        fc.nat(),
        (pairs, total, refundSeed, disputeSeed) => {
          const refunded = refundSeed % (total + 1);
          const disputed = disputeSeed % (total + 1);
          const t = targetPairs({
            isPaid: true,
            amountTotalMinor: total,
            fundedPairs: pairs,
            refundedMinor: refunded,
            disputeLostMinor: disputed,
          });
          const kept = t.salePairs - t.refundedPairs - t.disputedPairs;
          const keptMinor = Math.max(0, total - refunded - disputed);
          expect(kept).toBeGreaterThanOrEqual(0);
          // pairs still funded cost no more than the money kept
          expect(kept * total).toBeLessThanOrEqual(keptMinor * pairs);
          // and we take back no whole pair more than needed
          expect((kept + 1) * total).toBeGreaterThan(keptMinor * pairs);
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe('whatever the order and repetition of events, the totals are the same', () => {
  it('for a purchase with refunds, a failed refund and a dispute, first seen without its buyer', async () => {
    const p = purchase({ email: 'prop@example.org', lines: [{ pairsPerUnit: 2, quantity: 3, unitAmountMinor: 2000 }] }); // 6 pairs for 6000
    const events = [
      // The same session once without the buyer's email (as a payment link that collects none
      // would send it): whenever it comes, the order ends up credited to the buyer.
      stripeEvent(
        'checkout.session.completed',
        { ...p.session, customer_details: { email: null, name: null } },
        { createdSeconds: nextCreated() },
      ),
      stripeEvent('checkout.session.completed', p.session, { createdSeconds: nextCreated() }),
      chargeRefunded(p, 1000),
      chargeRefunded(p, 2500),
      refundEvent('refund.created', p, { id: 're_a', amount: 1000, status: 'succeeded' }),
      refundEvent('refund.created', p, { id: 're_b', amount: 1500, status: 'succeeded' }),
      refundEvent('refund.failed', p, { id: 're_b', amount: 1500, status: 'failed' }),
      disputeEvent('charge.dispute.created', p, { id: 'dp_a', amount: 2000, status: 'needs_response' }),
      disputeEvent('charge.dispute.closed', p, { id: 'dp_a', amount: 2000, status: 'lost' }),
    ];
    // Refunded: the charge said 2500, then re_b (1500) failed after it → 1000; disputes lost 2000.
    // Reversed 3000 of 6000 → 3 of 6 pairs stay funded.
    const expected = { pairs: 3, trapWeeks: 3, supporters: 1 };

    await fc.assert(
      fc.asyncProperty(
        fc.shuffledSubarray(events, { minLength: events.length, maxLength: events.length }),
        fc.array(fc.nat(events.length - 1), { maxLength: 4 }),
        fc.boolean(),
        async (order, repeats, settleEach) => {
          const t = createTestApp();
          try {
            for (const event of [...order, ...repeats.map((i) => events[i]!)]) {
              await t.deliver(event);
              if (settleEach) await t.settle();
            }
            await t.settle();
            expect(t.totals()).toEqual(expected);
            const buyer = findSupporterByEmail(t.ctx.db, 'prop@example.org')!;
            expect(findSupporterImpact(t.ctx.db, buyer.token)).toMatchObject({
              pairs: 3,
              trapWeeks: 3,
              orders: [{ pairs: 3 }],
            });
          } finally {
            await t.close();
          }
        },
      ),
      { numRuns: 40 },
    );
  });
});
