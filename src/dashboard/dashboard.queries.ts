import { sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { disputes, orderLines, orders } from '../db/schema/index.js';
import { periodEnd, periodOf } from '../lib/months.js';
import { readOperationalState } from '../ops/operational-state.queries.js';
import { findStuckOutbox, type StuckOutbox } from '../ops/readiness.js';
import { CATEGORY_OF } from '../reconciliation/balances.js';
import { readPeriodSums, type MonthMovement, type MonthRow } from '../reconciliation/months.queries.js';
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
  /** The open dispute Stripe opened first, and its order when we hold it. */
  oldestOpenDispute: { id: string; orderId: number | null } | null;
  ordersMissingRate: number;
  /** Emails given up on, and emails that failed and wait for another try. */
  deadEmails: number;
  retryingEmails: number;
  /** Months that have ended and are not closed, oldest first: the first is the one to close next. */
  monthsToClose: string[];
  /** The outbox stuck, as /readyz judges it, and the state of the email waiting longest. */
  stuckOutbox: StuckOutbox & {
    dueState: 'queued' | 'failed' | null;
    /** Emails due (queued or waiting to retry), and claimed for sending. */
    waitingEmails: number;
    sendingEmails: number;
  };
}

export interface AttentionInputs {
  now: number;
  /** The months as the dashboard lists them (listMonths), newest first. */
  months: MonthRow[];
  /** READY_OUTBOX_STUCK_AFTER. */
  outboxStuckMs: number;
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

const isOpenDispute = sql`${disputes.status} in (${sql.join(
  OPEN_DISPUTE_STATUSES.map((s) => sql`${s}`),
  sql`, `,
)})`;

/** What needs a person: each count reads a small index, never the whole orders table. */
export function attention(db: Db, { now, months, outboxStuckMs }: AttentionInputs): Attention {
  const unmapped = db.get<{ lines: number; orders: number }>(
    sql`select count(*) as lines, count(distinct ${orderLines.orderId}) as orders
      from ${orderLines} where ${orderLines.pairsPerUnit} is null`,
  );
  // The queues as /readyz and /metrics read them, from the indexes of open work only.
  const operational = readOperationalState(db);
  const open = db.get<{ n: number }>(sql`select count(*) as n from ${disputes} where ${isOpenDispute}`);
  const oldestDispute = db.get<{ id: string; orderId: number | null }>(
    sql`select ${disputes.id} as id, ${orders.id} as orderId from ${disputes}
      left join ${orders} on ${orders.paymentIntentId} = ${disputes.paymentIntentId}
      where ${isOpenDispute} order by ${disputes.stripeCreated}, ${disputes.id} limit 1`,
  );
  const missingRate = db.get<{ n: number }>(
    sql`select count(*) as n from ${orders} where ${orders.isDonationRateMissing} = 1`,
  );
  return {
    unmappedLines: unmapped?.lines ?? 0,
    unmappedOrders: unmapped?.orders ?? 0,
    failedEvents: operational.eventsByStatus.failed,
    retryingEvents: operational.eventsByStatus.retrying,
    openDisputes: open?.n ?? 0,
    oldestOpenDispute: oldestDispute ?? null,
    ordersMissingRate: missingRate?.n ?? 0,
    deadEmails: operational.emailsByState.dead,
    retryingEmails: operational.emailsByState.failed,
    monthsToClose: months
      .filter((m) => !m.isClosed && periodEnd(m.period) <= now)
      .map((m) => m.period)
      .reverse(),
    stuckOutbox: {
      ...findStuckOutbox(operational, outboxStuckMs, now),
      dueState: operational.oldestDueEmailState,
      waitingEmails: operational.emailsByState.queued + operational.emailsByState.failed,
      sendingEmails: operational.emailsByState.sending,
    },
  };
}
