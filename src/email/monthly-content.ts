import { sql } from 'drizzle-orm';
import { listPublishedCensuses, type CensusFigures } from '../census/census.queries.js';
import type { DbOrTx } from '../db/client.js';
import { findFieldNote } from './field-notes.queries.js';
import type { MonthlyView } from './mailer.js';

export interface CensusView extends CensusFigures {
  dateLabel: string;
  /** "73 more than the 30 counted on 5 April 2012"; null when there is no earlier census. */
  changeText: string | null;
}

/** What every supporter's email for a month shares: the month's name, the census and the field note. */
export function prepareMonthlyView(db: DbOrTx, period: string): MonthlyView & { census: CensusView | null } {
  return {
    period,
    monthLabel: new Intl.DateTimeFormat('en-GB', { month: 'long', year: 'numeric', timeZone: 'UTC' }).format(new Date(`${period}-01T00:00:00Z`)),
    census: censusView(listPublishedCensuses(db)),
    fieldNote: findFieldNote(db, period),
  };
}

/** The latest published census, and how it compares with the one before it. */
export function censusView(oldestFirst: CensusFigures[]): CensusView | null {
  const latest = oldestFirst.at(-1);
  if (!latest) return null;
  const previous = oldestFirst.at(-2);
  let changeText: string | null = null;
  if (previous) {
    const change = latest.total - previous.total;
    const counted = `the ${previous.total} counted on ${dayLabel(previous.date)}`;
    changeText = change > 0 ? `${change} more than ${counted}` : change < 0 ? `${-change} fewer than ${counted}` : `as many as ${counted}`;
  }
  return { ...latest, dateLabel: dayLabel(latest.date), changeText };
}

function dayLabel(isoDay: string): string {
  return new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' }).format(new Date(`${isoDay}T00:00:00Z`));
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
export function selectMonthlyCandidates(db: DbOrTx, range: { start: number; end: number }, afterId: number, limit: number): MonthlyCandidate[] {
  const rows = db.all<Omit<MonthlyCandidate, 'isSubscribed' | 'isDeliverable'> & { isSubscribed: number; isDeliverable: number }>(sql`
    select s.id, s.email, s.name, s.token, s.is_subscribed as isSubscribed, s.is_deliverable as isDeliverable,
      coalesce(sum(l.trap_weeks), 0) as totalTrapWeeks,
      coalesce(sum(case when l.occurred_at >= ${range.start} then l.trap_weeks else 0 end), 0) as monthTrapWeeks
    from supporters s
    left join ledger_entries l on l.supporter_id = s.id and l.occurred_at < ${range.end}
    where s.id > ${afterId}
    group by s.id
    order by s.id
    limit ${limit}`);
  return rows.map((row) => ({ ...row, isSubscribed: row.isSubscribed === 1, isDeliverable: row.isDeliverable === 1 }));
}

export function countSupporters(db: DbOrTx): number {
  return db.get<{ n: number }>(sql`select count(*) as n from supporters`)?.n ?? 0;
}
