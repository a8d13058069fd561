import { and, count, eq, gt, lt, sql } from 'drizzle-orm';
import { listPublishedCensuses, type CensusFigures } from '../census/census.queries.js';
import type { Db } from '../db/client.js';
import { formatDay, formatMonth } from '../lib/format.js';
import { ledgerEntries, supporters } from '../db/schema/index.js';
import { findFieldNote } from './field-notes.queries.js';
import type { MonthlyView } from './mailer.js';

export interface MonthlyCensus extends CensusFigures {
  dateLabel: string;
  /** "73 more than the 30 counted on 5 April 2012"; null when there is no earlier census. */
  changeText: string | null;
}

/** What every supporter's email for a month shares: the month's name, the census and the field note. */
export function prepareMonthlyView(db: Db, period: string): MonthlyView & { census: MonthlyCensus | null } {
  return {
    period,
    monthLabel: formatMonth(period),
    census: monthlyCensus(listPublishedCensuses(db)),
    fieldNote: findFieldNote(db, period),
  };
}

/** The latest published census, and how it compares with the one before it. */
export function monthlyCensus(oldestFirst: CensusFigures[]): MonthlyCensus | null {
  const latest = oldestFirst.at(-1);
  if (!latest) return null;
  const previous = oldestFirst.at(-2);
  let changeText: string | null = null;
  if (previous) {
    const change = latest.total - previous.total;
    const counted = `the ${previous.total} counted on ${formatDay(previous.date)}`;
    changeText =
      change > 0
        ? `${change} more than ${counted}`
        : change < 0
          ? `${-change} fewer than ${counted}`
          : `as many as ${counted}`;
  }
  return { ...latest, dateLabel: formatDay(latest.date), changeText };
}

export interface MonthlyCandidate {
  id: number;
  email: string;
  name: string | null;
  token: string;
  isSubscribed: boolean;
  isDeliverable: boolean;
  /** Net trap-weeks from ledger entries that occurred in the month (UTC). */
  monthTrapWeeks: number;
  /** Net trap-weeks from every entry up to the end of the month. */
  totalTrapWeeks: number;
}

/**
 * One page of supporters after `afterId`, in id order, with their trap-weeks for the month
 * [start, end) and up to its end. Pages keep memory flat however many supporters there are.
 */
export function selectMonthlyCandidates(
  db: Db,
  range: { start: number; end: number },
  afterId: number,
  limit: number,
): MonthlyCandidate[] {
  const s = supporters;
  const l = ledgerEntries;
  return db
    .select({
      id: s.id,
      email: s.email,
      name: s.name,
      token: s.token,
      isSubscribed: s.isSubscribed,
      isDeliverable: s.isDeliverable,
      totalTrapWeeks: sql<number>`coalesce(sum(${l.trapWeeks}), 0)`,
      monthTrapWeeks: sql<number>`coalesce(sum(
        case when ${l.occurredAt} >= ${range.start} then ${l.trapWeeks} else 0 end), 0)`,
    })
    .from(s)
    .leftJoin(l, and(eq(l.supporterId, s.id), lt(l.occurredAt, range.end)))
    .where(gt(s.id, afterId))
    .groupBy(s.id)
    .orderBy(s.id)
    .limit(limit)
    .all();
}

export function countSupporters(db: Db): number {
  return db.select({ n: count() }).from(supporters).get()?.n ?? 0;
}
