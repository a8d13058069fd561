import { sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { disputes, emailOutbox, orderLines, orders, stripeEvents } from '../db/schema/index.js';
import { periodOf } from '../lib/months.js';
import { CATEGORY_OF } from '../reconciliation/balances.js';
import { readPeriodSums, type MonthMovement } from '../reconciliation/months.queries.js';
import type { LedgerKind } from '../ledger/ledger.queries.js';

export interface Figures {
  currency: string;
  /** Orders whose sale was booked (a paid order with mapped socks has exactly one sale entry). */
  orders: number;
  pairs: number;
  trapWeeks: number;
  /** Accrued less reversed: what sales have earned the charity. */
  owedMinor: number;
  paidMinor: number;
  outstandingMinor: number;
}

export interface Attention {
  unmappedLines: number;
  unmappedOrders: number;
  failedEvents: number;
  retryingEvents: number;
  openDisputes: number;
  ordersMissingRate: number;
  /** Emails given up on, and emails that failed and wait for another try. */
  deadEmails: number;
  retryingEmails: number;
}

/** Disputes Stripe has not decided yet. */
export const OPEN_DISPUTE_STATUSES = [
  'warning_needs_response',
  'warning_under_review',
  'needs_response',
  'under_review',
];

/**
 * The dashboard's figures per currency, this month and all time, from the month sums the ledger
 * trigger keeps: a handful of rows however many orders there are.
 */
export function dashboardFigures(db: Db, now: number): { thisMonth: Figures[]; allTime: Figures[]; period: string } {
  const period = periodOf(now);
  const rows = readPeriodSums(db);
  return { period, thisMonth: sumFigures(rows.filter((r) => r.period === period)), allTime: sumFigures(rows) };
}

function sumFigures(rows: MonthMovement[]): Figures[] {
  const byCurrency = new Map<string, Figures>();
  for (const row of rows) {
    let f = byCurrency.get(row.currency);
    if (!f)
      byCurrency.set(
        row.currency,
        (f = {
          currency: row.currency,
          orders: 0,
          pairs: 0,
          trapWeeks: 0,
          owedMinor: 0,
          paidMinor: 0,
          outstandingMinor: 0,
        }),
      );
    if (row.kind === 'sale') f.orders += row.entries;
    f.pairs += row.pairs;
    f.trapWeeks += row.trapWeeks;
    if (CATEGORY_OF[row.kind as LedgerKind] === 'paid') f.paidMinor -= row.donationMinor;
    else f.owedMinor += row.donationMinor;
    f.outstandingMinor += row.donationMinor;
  }
  return [...byCurrency.values()].sort((a, b) => a.currency.localeCompare(b.currency));
}

/** What needs a person: each count reads a small index, never the whole orders table. */
export function attention(db: Db): Attention {
  const unmapped = db.get<{ lines: number; orders: number }>(
    sql`select count(*) as lines, count(distinct ${orderLines.orderId}) as orders
      from ${orderLines} where ${orderLines.pairsPerUnit} is null`,
  );
  const events = db
    .select({ status: stripeEvents.status, n: sql<number>`count(*)` })
    .from(stripeEvents)
    .where(sql`${stripeEvents.status} in ('failed', 'retrying')`)
    .groupBy(stripeEvents.status)
    .all();
  const open = db.get<{ n: number }>(
    sql`select count(*) as n from ${disputes} where ${disputes.status} in (${sql.join(
      OPEN_DISPUTE_STATUSES.map((s) => sql`${s}`),
      sql`, `,
    )})`,
  );
  const missingRate = db.get<{ n: number }>(
    sql`select count(*) as n from ${orders} where ${orders.isDonationRateMissing} = 1`,
  );
  // Written to match a partial index on `state in ('failed', 'dead')`, should the outbox grow one.
  const emails = db.all<{ state: string; n: number }>(
    sql`select ${emailOutbox.state} as state, count(*) as n from ${emailOutbox}
      where ${emailOutbox.state} in ('failed', 'dead') group by ${emailOutbox.state}`,
  );
  const emailState = (state: string) => emails.find((e) => e.state === state)?.n ?? 0;
  return {
    unmappedLines: unmapped?.lines ?? 0,
    unmappedOrders: unmapped?.orders ?? 0,
    failedEvents: events.find((e) => e.status === 'failed')?.n ?? 0,
    retryingEvents: events.find((e) => e.status === 'retrying')?.n ?? 0,
    openDisputes: open?.n ?? 0,
    ordersMissingRate: missingRate?.n ?? 0,
    deadEmails: emailState('dead'),
    retryingEmails: emailState('failed'),
  };
}
