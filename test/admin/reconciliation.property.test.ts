import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { transaction } from '../../src/db/client.js';
import { signedOffBalances } from '../../src/db/schema/index.js';
import { nextPeriod, periodEnd } from '../../src/lib/months.js';
import { recordCheckout } from '../../src/orders/record-checkout.js';
import { recordPaymentChange } from '../../src/orders/record-payment-change.js';
import { lastClosedPeriod } from '../../src/reconciliation/accounting-period.js';
import type { Balance } from '../../src/reconciliation/balances.js';
import { closeMonth } from '../../src/reconciliation/close-month.js';
import { recordDonationPayment, voidDonationPayment } from '../../src/reconciliation/donation-payments.js';
import { listMonths, monthSummary, readPeriodSums } from '../../src/reconciliation/months.queries.js';
import { COMMAND_LINE } from '../../src/staff/audit-log.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';
import { TestClock } from '../helpers/test-clock.js';

const NOW = Date.parse('2025-06-15T12:00:00Z');
const DAY = 86_400_000;
const START = Date.parse('2025-01-01T00:00:00Z');
const currency = fc.constantFrom('GBP', 'EUR');
const day = fc.integer({ min: 0, max: 150 }); // January to May

type Step =
  | { type: 'purchase'; day: number; pairs: number; currency: string }
  | { type: 'refund'; purchase: number; permille: number; day: number }
  | { type: 'dispute_lost'; purchase: number; day: number }
  | { type: 'payment'; day: number; amountMinor: number; currency: string }
  | { type: 'void'; payment: number }
  | { type: 'close' };

const step: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      type: fc.constant('purchase' as const),
      day,
      pairs: fc.integer({ min: 1, max: 6 }),
      currency,
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      type: fc.constant('refund' as const),
      purchase: fc.nat(),
      permille: fc.integer({ min: 1, max: 1000 }),
      day,
    }),
  },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('dispute_lost' as const), purchase: fc.nat(), day }) },
  {
    weight: 2,
    arbitrary: fc.record({
      type: fc.constant('payment' as const),
      day,
      amountMinor: fc.integer({ min: 1, max: 2000 }),
      currency,
    }),
  },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('void' as const), payment: fc.nat() }) },
  { weight: 2, arbitrary: fc.constant({ type: 'close' as const }) },
);

interface Purchase {
  paymentIntentId: string;
  amountMinor: number;
  currency: string;
  refundedMinor: number;
  isDisputed: boolean;
}

/** Plays a history straight into the domain (no HTTP: hundreds of histories have to run quickly). */
function play(t: TestApp, steps: Step[], snapshots: Map<string, { balances: Balance[]; entryIds: number[] }>) {
  const db = t.ctx.db;
  const purchases: Purchase[] = [];
  const payments: number[] = [];
  steps.forEach((s, n) => {
    const cause = (d: number) => ({ occurredAt: START + d * DAY + n * 1000, recordedAt: NOW, eventId: null });
    if (s.type === 'purchase') {
      const p = {
        paymentIntentId: `pi_${n}`,
        amountMinor: 1000 * s.pairs,
        currency: s.currency,
        refundedMinor: 0,
        isDisputed: false,
      };
      purchases.push(p);
      const line = {
        lineItemId: `li_${n}`,
        priceId: `price_${n}`,
        productId: `prod_${n}`,
        description: null,
        quantity: 1,
        amountTotalMinor: p.amountMinor,
        metadataPairs: s.pairs,
      };
      const input = {
        checkoutSessionId: `cs_${n}`,
        paymentIntentId: p.paymentIntentId,
        status: 'paid' as const,
        amountTotalMinor: p.amountMinor,
        currency: s.currency,
        livemode: false,
        email: `s${n}@example.org`,
        name: null,
        lines: [line],
      };
      transaction(db, (tx) => recordCheckout(tx, input, cause(s.day)));
    } else if (s.type === 'refund' && purchases.length > 0) {
      const p = purchases[s.purchase % purchases.length]!;
      p.refundedMinor += Math.ceil(((p.amountMinor - p.refundedMinor) * s.permille) / 1000);
      const state = {
        id: `ch_${p.paymentIntentId}`,
        paymentIntentId: p.paymentIntentId,
        amountMinor: p.amountMinor,
        amountRefundedMinor: p.refundedMinor,
        currency: p.currency,
        stripeCreated: n,
      };
      transaction(db, (tx) => recordPaymentChange(tx, { object: 'charge', state }, cause(s.day)));
    } else if (s.type === 'dispute_lost' && purchases.length > 0) {
      const p = purchases[s.purchase % purchases.length]!;
      const state = {
        id: `dp_${p.paymentIntentId}`,
        paymentIntentId: p.paymentIntentId,
        chargeId: null,
        amountMinor: p.amountMinor,
        status: 'lost',
        stripeCreated: n,
      };
      transaction(db, (tx) => recordPaymentChange(tx, { object: 'dispute', state }, cause(s.day)));
    } else if (s.type === 'payment') {
      const paidOn = new Date(START + s.day * DAY).toISOString().slice(0, 10);
      payments.push(
        recordDonationPayment(
          db,
          { paidOn, amountMinor: s.amountMinor, currency: s.currency, reference: `ref ${n}`, note: null },
          COMMAND_LINE,
          NOW,
        ).id,
      );
    } else if (s.type === 'void' && payments.length > 0) {
      const id = payments.splice(s.payment % payments.length, 1)[0]!;
      voidDonationPayment(db, id, 'a mistake', COMMAND_LINE, NOW);
    } else if (s.type === 'close') {
      const lastClosed = lastClosedPeriod(db);
      const period = lastClosed ? nextPeriod(lastClosed) : '2025-01';
      if (periodEnd(period) > NOW) return;
      closeMonth(db, period, COMMAND_LINE, NOW);
      snapshots.set(period, { balances: monthSummary(db, period, NOW).balances, entryIds: entryIdsIn(t, period) });
    }
  });
}

function entryIdsIn(t: TestApp, period: string): number[] {
  return t.ctx.database.sqlite
    .prepare('select id from ledger_entries where period = ? order by id')
    .pluck()
    .all(period) as number[];
}

/** The same balances computed the slow way, straight from the entries, as an independent check. */
function balancesFromEntries(t: TestApp, period: string): Balance[] {
  const rows = t.ctx.database.sqlite
    .prepare(
      `select currency,
         coalesce(sum(case when period < @p then donation_minor end), 0) as opening,
         coalesce(sum(case when period = @p and kind in ('sale', 'adjustment') then donation_minor end), 0) as accrued,
         coalesce(-sum(case when period = @p and kind in ('refund', 'dispute_lost', 'dispute_won') then donation_minor end), 0) as reversed,
         coalesce(-sum(case when period = @p and kind = 'donation_paid' then donation_minor end), 0) as paid,
         sum(donation_minor) as closing
       from ledger_entries where period <= @p group by currency order by currency`,
    )
    .all({ p: period }) as {
    currency: string;
    opening: number;
    accrued: number;
    reversed: number;
    paid: number;
    closing: number;
  }[];
  return rows.map((r) => ({
    currency: r.currency,
    openingMinor: r.opening,
    accruedMinor: r.accrued,
    reversedMinor: r.reversed,
    paidMinor: r.paid,
    closingMinor: r.closing,
  }));
}

describe('reconciliation over random histories of sales, refunds, disputes, payments, voids and closings', () => {
  it('adds up: months sum to all time, closing = next opening, closed months never change', () => {
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 30 }), (steps) => {
        const t = createTestApp({ clock: new TestClock(NOW), env: { DONATION_PER_PAIR: 'GBP:100,EUR:115' } });
        try {
          const snapshots = new Map<string, { balances: Balance[]; entryIds: number[] }>();
          play(t, steps, snapshots);
          const months = listMonths(t.ctx.db, NOW).reverse(); // oldest first
          const allTime = t.ctx.database.sqlite
            .prepare('select currency, sum(donation_minor) as total from ledger_entries group by currency')
            .all() as { currency: string; total: number }[];

          // The months add up to the all-time totals, and each month equals the slow computation.
          const movement = new Map<string, number>();
          for (const month of months) {
            expect(month.balances).toEqual(balancesFromEntries(t, month.period));
            for (const b of month.balances)
              movement.set(
                b.currency,
                (movement.get(b.currency) ?? 0) + b.accruedMinor - b.reversedMinor - b.paidMinor,
              );
          }
          for (const { currency: c, total } of allTime) {
            expect(movement.get(c)).toBe(total);
            expect(months.at(-1)!.balances.find((b) => b.currency === c)?.closingMinor).toBe(total);
          }

          // Closing of one month is the opening of the next.
          for (let i = 1; i < months.length; i++) {
            for (const b of months[i]!.balances) {
              expect(b.openingMinor).toBe(
                months[i - 1]!.balances.find((p) => p.currency === b.currency)?.closingMinor ?? 0,
              );
            }
          }

          // A closed month never changes: same balances, same entries, same signed-off figures.
          const stored = t.ctx.db.select().from(signedOffBalances).all();
          for (const [period, snapshot] of snapshots) {
            expect(monthSummary(t.ctx.db, period, NOW).balances).toEqual(snapshot.balances);
            expect(entryIdsIn(t, period)).toEqual(snapshot.entryIds);
            expect(stored.filter((s) => s.period === period).map(({ period: _p, ...b }) => b)).toEqual(
              snapshot.balances,
            );
          }

          // The trigger-kept sums agree with the entries.
          const sums = readPeriodSums(t.ctx.db).sort((a, b) =>
            `${a.period}${a.currency}${a.kind}`.localeCompare(`${b.period}${b.currency}${b.kind}`),
          );
          const direct = t.ctx.database.sqlite
            .prepare(
              'select period, currency, kind, count(*) as entries, sum(pairs) as pairs, sum(trap_weeks) as trapWeeks,' +
                ' sum(donation_minor) as donationMinor from ledger_entries group by 1, 2, 3 order by period || currency || kind',
            )
            .all();
          expect(sums).toEqual(direct);
        } finally {
          void t.close();
        }
      }),
      { numRuns: 60 },
    );
  });
});
