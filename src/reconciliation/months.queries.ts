import { eq, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { ledgerPeriodSums, monthCloses, staff } from '../db/schema/index.js';
import { nextPeriod, periodEnd, periodOf, periodsBetween } from '../lib/months.js';
import { lastClosedPeriod } from './accounting-period.js';
import { runningBalances, type Balance, type PeriodSum } from './balances.js';

export interface LateSum {
  currency: string;
  entries: number;
  donationMinor: number;
}

export interface MonthSummary {
  period: string;
  isClosed: boolean;
  closedAt: number | null;
  closedBy: string | null;
  balances: Balance[];
  /** Entries booked here because the month they occurred in had already closed. */
  late: LateSum[];
  entries: number;
  closing: CloseCheck;
}

export interface CloseCheck {
  canClose: boolean;
  reason: string | null;
}

export interface MonthMovement extends PeriodSum {
  entries: number;
  pairs: number;
  trapWeeks: number;
}

/**
 * What moved per month, currency and kind (late or not), from the kept month sums: no scan of the
 * ledger, a handful of rows however many orders there are. Up to a month, or all of them.
 */
export function readPeriodSums(db: Db, upTo?: string): MonthMovement[] {
  const query = db
    .select({
      period: ledgerPeriodSums.period,
      currency: ledgerPeriodSums.currency,
      kind: ledgerPeriodSums.kind,
      entries: sql<number>`sum(${ledgerPeriodSums.entries})`,
      pairs: sql<number>`sum(${ledgerPeriodSums.pairs})`,
      trapWeeks: sql<number>`sum(${ledgerPeriodSums.trapWeeks})`,
      donationMinor: sql<number>`sum(${ledgerPeriodSums.donationMinor})`,
    })
    .from(ledgerPeriodSums);
  return (upTo ? query.where(sql`${ledgerPeriodSums.period} <= ${upTo}`) : query)
    .groupBy(ledgerPeriodSums.period, ledgerPeriodSums.currency, ledgerPeriodSums.kind)
    .all();
}

/** One month's balances per currency. */
export function monthBalances(db: Db, period: string): Balance[] {
  return runningBalances(readPeriodSums(db, period), [period]).get(period) ?? [];
}

export function monthSummary(db: Db, period: string, now: number): MonthSummary {
  const close = db
    .select({ closedAt: monthCloses.closedAt, closedBy: staff.email })
    .from(monthCloses)
    .leftJoin(staff, eq(staff.id, monthCloses.closedByStaffId))
    .where(eq(monthCloses.period, period))
    .get();
  const counts = db
    .select({
      currency: ledgerPeriodSums.currency,
      isLate: ledgerPeriodSums.isLate,
      entries: sql<number>`sum(${ledgerPeriodSums.entries})`,
      donationMinor: sql<number>`sum(${ledgerPeriodSums.donationMinor})`,
    })
    .from(ledgerPeriodSums)
    .where(eq(ledgerPeriodSums.period, period))
    .groupBy(ledgerPeriodSums.currency, ledgerPeriodSums.isLate)
    .orderBy(ledgerPeriodSums.currency)
    .all();
  return {
    period,
    isClosed: close !== undefined,
    closedAt: close?.closedAt ?? null,
    closedBy: close ? (close.closedBy ?? 'command line') : null,
    balances: monthBalances(db, period),
    late: counts
      .filter((c) => c.isLate)
      .map(({ currency, entries, donationMinor }) => ({ currency, entries, donationMinor })),
    entries: counts.reduce((n, c) => n + c.entries, 0),
    closing: checkClose(db, period, now),
  };
}

export interface MonthRow {
  period: string;
  isClosed: boolean;
  balances: Balance[];
  canClose: boolean;
}

/** Every month from the first with an entry to the current one (or the last with an entry), newest first. */
export function listMonths(db: Db, now: number): MonthRow[] {
  const sums = readPeriodSums(db);
  const current = periodOf(now);
  const known = sums.map((s) => s.period).sort();
  const first = known[0] && known[0] < current ? known[0] : current;
  const last = known.at(-1) && known.at(-1)! > current ? known.at(-1)! : current;
  const periods = periodsBetween(first, last);
  const balances = runningBalances(sums, periods);
  const lastClosed = lastClosedPeriod(db);
  const firstOpen = lastClosed ? nextPeriod(lastClosed) : first;
  return periods
    .map((period) => ({
      period,
      isClosed: lastClosed !== null && period <= lastClosed,
      balances: balances.get(period) ?? [],
      canClose: period === firstOpen && periodEnd(period) <= now,
    }))
    .reverse();
}

/**
 * Months close in order and only once over: the first open month may close once it has ended.
 * (With nothing closed yet, any month up to the first one with entries counts as first.)
 */
export function checkClose(db: Db, period: string, now: number): CloseCheck {
  const lastClosed = lastClosedPeriod(db);
  if (lastClosed !== null && period <= lastClosed) return { canClose: false, reason: `${period} is already closed.` };
  if (periodEnd(period) > now) return { canClose: false, reason: `${period} has not ended yet.` };
  if (lastClosed !== null && period !== nextPeriod(lastClosed))
    return { canClose: false, reason: `Close ${nextPeriod(lastClosed)} first: months close in order.` };
  if (lastClosed === null) {
    const first = db.get<{ period: string | null }>(
      sql`select min(${ledgerPeriodSums.period}) as period from ${ledgerPeriodSums}`,
    )?.period;
    if (first && period > first) return { canClose: false, reason: `Close ${first} first: months close in order.` };
  }
  return { canClose: true, reason: null };
}

/** What is owed to the charity now, per currency: every entry's donation movement, all time. */
export function outstandingByCurrency(db: Db): { currency: string; outstandingMinor: number }[] {
  return db
    .select({
      currency: ledgerPeriodSums.currency,
      outstandingMinor: sql<number>`sum(${ledgerPeriodSums.donationMinor})`,
    })
    .from(ledgerPeriodSums)
    .groupBy(ledgerPeriodSums.currency)
    .orderBy(ledgerPeriodSums.currency)
    .all();
}
