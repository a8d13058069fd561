import { asc, eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { dashboardFigures } from '../../src/dashboard/dashboard.queries.js';
import { ledgerEntries } from '../../src/db/schema/index.js';
import { selectMonthlyCandidates } from '../../src/email/monthly-content.js';
import { findOrderBySession } from '../../src/orders/orders.queries.js';
import { findSupporterImpact } from '../../src/supporters/supporter-impact.js';
import { findSupporterByEmail } from '../../src/supporters/supporters.queries.js';
import { outboxRows } from '../email/mail-test-kit.js';
import { chargeRefunded, purchase, stripeEvent, type PurchaseFacts } from '../helpers/stripe-events.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';

// A checkout session can reach us before Stripe has the buyer's email (a payment link that does
// not collect one, a session completed by an integration): its order then credits no one, until a
// later event for the same session names the buyer.

const EMAIL = 'late@example.org';
const seconds = (iso: string) => Date.parse(iso) / 1000;

/** 3 pairs for £36.00. */
const threePairs = () => purchase({ email: EMAIL, lines: [{ pairsPerUnit: 3, unitAmountMinor: 3600 }] });
const withoutEmail = (p: PurchaseFacts) => ({ ...p.session, customer_details: { email: null, name: null } });
const completed = (session: object, at: string) =>
  stripeEvent('checkout.session.completed', session, { createdSeconds: seconds(at) });
const refunded = (p: PurchaseFacts, amount: number, at: string) => chargeRefunded(p, amount, seconds(at));

function supporterFigures(t: TestApp) {
  const supporter = findSupporterByEmail(t.ctx.db, EMAIL)!;
  const impact = findSupporterImpact(t.ctx.db, supporter.token)!;
  return {
    pairs: impact.pairs,
    trapWeeks: impact.trapWeeks,
    orders: impact.orders.map((o) => ({ pairs: o.pairs, status: o.status })),
  };
}

/** The monthly email's figures for the buyer, for the month starting at `monthStart`. */
function monthlyFigures(t: TestApp, monthStart: string, monthEnd: string) {
  const supporter = findSupporterByEmail(t.ctx.db, EMAIL)!;
  const [candidate] = selectMonthlyCandidates(
    t.ctx.db,
    { start: Date.parse(monthStart), end: Date.parse(monthEnd) },
    supporter.id - 1,
    1,
  );
  return { month: candidate!.monthTrapWeeks, total: candidate!.totalTrapWeeks };
}

function entriesOf(t: TestApp, sessionId: string) {
  const order = findOrderBySession(t.ctx.db, sessionId)!;
  return t.ctx.db
    .select({
      kind: ledgerEntries.kind,
      supporterId: ledgerEntries.supporterId,
      pairs: ledgerEntries.pairs,
      donationMinor: ledgerEntries.donationMinor,
    })
    .from(ledgerEntries)
    .where(eq(ledgerEntries.orderId, order.id))
    .orderBy(asc(ledgerEntries.id))
    .all();
}

describe('an order whose buyer becomes known later', () => {
  it('credits the buyer with the whole order, once, and thanks them once', async () => {
    const t = createTestApp();
    const p = threePairs();

    await t.deliver(completed(withoutEmail(p), '2026-10-15T10:00:00Z'));
    await t.settle();
    expect(t.totals()).toEqual({ pairs: 3, trapWeeks: 3, supporters: 0 });
    expect(findSupporterByEmail(t.ctx.db, EMAIL)).toBeUndefined();
    expect(outboxRows(t, 'receipt')).toHaveLength(0);

    const named = completed(p.session, '2026-10-15T10:05:00Z');
    await t.deliver(named);
    await t.deliver(named); // a duplicate delivery
    await t.deliver(completed(p.session, '2026-10-15T10:06:00Z')); // the same facts in another event
    await t.settle();

    expect(t.totals()).toEqual({ pairs: 3, trapWeeks: 3, supporters: 1 });
    expect(supporterFigures(t)).toEqual({ pairs: 3, trapWeeks: 3, orders: [{ pairs: 3, status: 'paid' }] });
    const supporterId = findSupporterByEmail(t.ctx.db, EMAIL)!.id;
    expect(entriesOf(t, p.session.id)).toEqual([
      { kind: 'sale', supporterId: null, pairs: 3, donationMinor: 300 },
      { kind: 'adjustment', supporterId: null, pairs: -3, donationMinor: -300 },
      { kind: 'adjustment', supporterId, pairs: 3, donationMinor: 300 },
    ]);
    expect(outboxRows(t, 'receipt')).toHaveLength(1);
    expect(outboxRows(t, 'receipt')[0]!.recipient).toBe(EMAIL);
    // Staff still see one order of 3 pairs, owing £3.
    expect(dashboardFigures(t.ctx.db, t.clock.now()).allTime).toMatchObject([
      { currency: 'GBP', orders: 1, pairs: 3, trapWeeks: 3, owedMinor: 300 },
    ]);
  });

  it('moves a refund recorded before the buyer was known along with the sale', async () => {
    const t = createTestApp();
    const p = threePairs();

    await t.deliver(completed(withoutEmail(p), '2026-10-15T10:00:00Z'));
    await t.deliver(refunded(p, 1200, '2026-10-20T09:00:00Z')); // £12 of £36: one pair back
    await t.settle();
    expect(t.totals()).toEqual({ pairs: 2, trapWeeks: 2, supporters: 0 });

    await t.deliver(completed(p.session, '2026-11-03T12:00:00Z'));
    await t.settle();

    expect(t.totals()).toEqual({ pairs: 2, trapWeeks: 2, supporters: 1 });
    expect(supporterFigures(t)).toEqual({
      pairs: 2,
      trapWeeks: 2,
      orders: [{ pairs: 2, status: 'partially_refunded' }],
    });

    // A second refund after the buyer is known lands on them, not on the empty attribution.
    await t.deliver(refunded(p, 3600, '2026-11-10T09:00:00Z'));
    await t.settle();
    expect(t.totals()).toEqual({ pairs: 0, trapWeeks: 0, supporters: 0 });
    expect(supporterFigures(t)).toEqual({ pairs: 0, trapWeeks: 0, orders: [{ pairs: 0, status: 'refunded' }] });
    expect(outboxRows(t, 'receipt')).toHaveLength(1); // thanked once, when named, for the 2 pairs still funded then
  });

  it('sends no thank-you when every pair was refunded before the buyer became known', async () => {
    const t = createTestApp();
    const p = threePairs();

    await t.deliver(completed(withoutEmail(p), '2026-10-15T10:00:00Z'));
    await t.deliver(refunded(p, 3600, '2026-10-20T09:00:00Z'));
    await t.settle();
    await t.deliver(completed(p.session, '2026-11-03T12:00:00Z'));
    await t.settle();

    expect(t.totals()).toEqual({ pairs: 0, trapWeeks: 0, supporters: 0 });
    expect(supporterFigures(t)).toEqual({ pairs: 0, trapWeeks: 0, orders: [{ pairs: 0, status: 'refunded' }] });
    expect(outboxRows(t, 'receipt')).toHaveLength(0);
  });

  it("keeps the buyer's weeks in the months they were funded, not the month the buyer became known", async () => {
    const t = createTestApp();
    const p = threePairs();

    await t.deliver(completed(withoutEmail(p), '2026-10-15T10:00:00Z'));
    await t.settle();
    await t.deliver(completed(p.session, '2026-11-03T12:00:00Z'));
    await t.settle();

    expect(monthlyFigures(t, '2026-10-01T00:00:00Z', '2026-11-01T00:00:00Z')).toEqual({ month: 3, total: 3 });
    expect(monthlyFigures(t, '2026-11-01T00:00:00Z', '2026-12-01T00:00:00Z')).toEqual({ month: 0, total: 3 });
    expect(t.totals()).toEqual({ pairs: 3, trapWeeks: 3, supporters: 1 });
  });

  it('sends no thank-you when the buyer becomes known on an order that was never paid', async () => {
    const t = createTestApp();
    const p = threePairs();
    const unpaid = { ...withoutEmail(p), payment_status: 'unpaid' };

    await t.deliver(completed(unpaid, '2026-10-15T10:00:00Z'));
    await t.deliver(
      stripeEvent(
        'checkout.session.expired',
        { ...p.session, status: 'expired', payment_status: 'unpaid' },
        { createdSeconds: seconds('2026-10-16T10:00:00Z') },
      ),
    );
    await t.settle();

    expect(t.totals()).toEqual({ pairs: 0, trapWeeks: 0, supporters: 0 });
    expect(findSupporterByEmail(t.ctx.db, EMAIL)).toBeDefined();
    expect(entriesOf(t, p.session.id)).toEqual([]);
    expect(outboxRows(t, 'receipt')).toHaveLength(0);
  });
});
