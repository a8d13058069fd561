import { describe, expect, it } from 'vitest';
import { findSupporterImpact } from '../../src/supporters/supporter-impact.js';
import { findSupporterByEmail } from '../../src/supporters/supporters.queries.js';
import {
  chargeRefunded,
  disputeEvent,
  nextCreated,
  purchase,
  refundEvent,
  stripeEvent,
  type PurchaseFacts,
} from '../helpers/stripe-events.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';

/** 3 pairs for £36.00, one 3-pack. */
const threePairs = (email = 'shopper@example.org') =>
  purchase({ email, lines: [{ pairsPerUnit: 3, unitAmountMinor: 3600 }] });
const paid = (p: PurchaseFacts) =>
  stripeEvent('checkout.session.completed', p.session, { createdSeconds: nextCreated() });

function permutations<T>(items: T[]): T[][] {
  if (items.length <= 1) return [items];
  return items.flatMap((item, i) =>
    permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]),
  );
}

function orderStatus(t: TestApp, email: string) {
  const supporter = findSupporterByEmail(t.ctx.db, email)!;
  return findSupporterImpact(t.ctx.db, supporter.token)!.orders[0]!.status;
}

describe('refunds', () => {
  const p = threePairs();
  const events = { purchase: paid(p), firstRefund: chargeRefunded(p, 1200), secondRefund: chargeRefunded(p, 2400) };

  // £12 of £36 refunded reverses 1 pair; £24 reverses 2. Any order of arrival lands on the same place.
  it.each(permutations(Object.keys(events) as (keyof typeof events)[]).map((order) => [order.join(' → '), order]))(
    'lands on 1 pair for %s',
    async (_name, order) => {
      const t = createTestApp();
      for (const key of order) await t.deliver(events[key]);
      await t.settle();
      expect(t.totals()).toEqual({ pairs: 1, trapWeeks: 1, supporters: 1 });
    },
  );

  it('lands on the same totals when each event is processed as it arrives', async () => {
    const t = createTestApp();
    for (const key of ['secondRefund', 'purchase', 'firstRefund'] as const) {
      await t.deliver(events[key]);
      await t.settle();
    }
    expect(t.totals()).toEqual({ pairs: 1, trapWeeks: 1, supporters: 1 });
  });

  it('rounds a partial refund so no more pairs stay funded than were paid for', async () => {
    const t = createTestApp();
    const p5 = purchase({ lines: [{ pairsPerUnit: 1, quantity: 5, unitAmountMinor: 1000 }] });
    await t.deliver(paid(p5));
    await t.deliver(chargeRefunded(p5, 1)); // a penny back still costs a whole pair
    await t.settle();
    expect(t.totals().pairs).toBe(4);
  });

  it('reverses everything on a full refund and shows the order as refunded', async () => {
    const t = createTestApp();
    const full = threePairs('full@example.org');
    await t.deliver(paid(full));
    await t.deliver(chargeRefunded(full, full.amount));
    await t.settle();
    expect(t.totals()).toEqual({ pairs: 0, trapWeeks: 0, supporters: 0 });
    expect(orderStatus(t, 'full@example.org')).toBe('refunded');
  });

  it('gives the pairs back when a refund fails', async () => {
    const t = createTestApp();
    const p2 = threePairs('fails@example.org');
    await t.deliver(paid(p2));
    await t.deliver(refundEvent('refund.created', p2, { id: 're_1', amount: 1200, status: 'succeeded' }));
    await t.settle();
    expect(t.totals().pairs).toBe(2);
    expect(orderStatus(t, 'fails@example.org')).toBe('partially_refunded');

    await t.deliver(refundEvent('refund.failed', p2, { id: 're_1', amount: 1200, status: 'failed' }));
    await t.settle();
    expect(t.totals().pairs).toBe(3);
    expect(orderStatus(t, 'fails@example.org')).toBe('paid');
  });

  it('gives the pairs back when a refund fails after the charge reported it', async () => {
    const t = createTestApp();
    const p3 = threePairs();
    await t.deliver(paid(p3));
    await t.deliver(refundEvent('refund.created', p3, { id: 're_2', amount: 2400, status: 'pending' }));
    await t.deliver(chargeRefunded(p3, 2400));
    await t.deliver(refundEvent('charge.refund.updated', p3, { id: 're_2', amount: 2400, status: 'canceled' }));
    await t.settle();
    expect(t.totals().pairs).toBe(3);
  });

  it('ignores a stale interim state that arrives after the final one', async () => {
    const t = createTestApp();
    const p4 = threePairs();
    await t.deliver(paid(p4));
    await t.deliver(refundEvent('refund.failed', p4, { id: 're_3', amount: 3600, status: 'failed' }));
    await t.deliver(refundEvent('refund.created', p4, { id: 're_3', amount: 3600, status: 'pending' }, 1)); // older
    await t.settle();
    expect(t.totals().pairs).toBe(3);
  });
});

describe('disputes', () => {
  it('reverses the pairs when a dispute is lost, whatever arrives first', async () => {
    for (const purchaseFirst of [true, false]) {
      const t = createTestApp();
      const p = threePairs();
      const events: object[] = [
        disputeEvent('charge.dispute.created', p, { id: 'dp_1', status: 'needs_response' }),
        disputeEvent('charge.dispute.closed', p, { id: 'dp_1', status: 'lost' }),
      ];
      if (purchaseFirst) events.unshift(paid(p));
      else events.push(paid(p));
      for (const e of events) await t.deliver(e);
      await t.settle();
      expect(t.totals()).toEqual({ pairs: 0, trapWeeks: 0, supporters: 0 });
    }
  });

  it('keeps the pairs while a dispute is open and after it is won', async () => {
    const t = createTestApp();
    const p = threePairs('won@example.org');
    await t.deliver(paid(p));
    await t.deliver(disputeEvent('charge.dispute.created', p, { id: 'dp_2', status: 'needs_response' }));
    await t.settle();
    expect(t.totals().pairs).toBe(3);
    expect(orderStatus(t, 'won@example.org')).toBe('disputed');

    await t.deliver(disputeEvent('charge.dispute.closed', p, { id: 'dp_2', status: 'won' }));
    await t.deliver(disputeEvent('charge.dispute.updated', p, { id: 'dp_2', status: 'under_review' }, 1)); // stale
    await t.settle();
    expect(t.totals().pairs).toBe(3);
    expect(orderStatus(t, 'won@example.org')).toBe('paid');
  });

  it('reverses only what is left after a partial refund when the dispute is lost', async () => {
    const t = createTestApp();
    const p = threePairs();
    await t.deliver(paid(p));
    await t.deliver(chargeRefunded(p, 1200));
    await t.deliver(disputeEvent('charge.dispute.closed', p, { id: 'dp_3', amount: 2400, status: 'lost' }));
    await t.settle();
    expect(t.totals().pairs).toBe(0);
  });
});
