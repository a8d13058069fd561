import { and, count, eq, gt, isNull, lt, sql } from 'drizzle-orm';
import type { GivenWeek } from '../camtrap/weeks-given.js';
import { listPublishedCensuses, type CensusFigures } from '../census/census.queries.js';
import type { Db } from '../db/client.js';
import { formatDay, formatDayRange, formatMonth, formatNumber, plural } from '../lib/format.js';
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

/** Weeks an email lists one by one; the rest are counted (the buyer's impact page lists every one). */
const LISTED_WEEKS = 10;
/** Other species a week's line names; the rest are counted. */
const NAMED_SPECIES = 4;

/** A buyer's weeks that got their cameras in the month, in words, for both parts of the email. */
export interface MonthlyCameraWeeks {
  /** "3 of your weeks got their cameras in March 2027:" */
  intro: string;
  weeks: { place: string; dates: string; seen: string; others: string | null }[];
  /** "…and 4 more weeks: your impact page lists every one." */
  more: string | null;
}

/**
 * The camera-weeks a buyer's trap-weeks were given in the month, earliest first, with what each
 * camera saw; null when none were (the email then has no such section). A camera that watched and
 * saw no leopard is still the monitoring the buyer paid for, and its line says so.
 */
export function monthlyCameraWeeks(
  weeks: GivenWeek[] | undefined,
  totalTrapWeeks: number,
  monthLabel: string,
): MonthlyCameraWeeks | null {
  if (!weeks || weeks.length === 0) return null;
  const n = weeks.length;
  const subject =
    n !== totalTrapWeeks
      ? `${formatNumber(n)} of your weeks got ${plural(n, 'its camera', 'their cameras')}`
      : n === 1
        ? 'Your week got its camera'
        : `All ${formatNumber(n)} of your weeks got their cameras`;
  const unlisted = n - LISTED_WEEKS;
  return {
    intro: `${subject} in ${monthLabel}:`,
    weeks: weeks.slice(0, LISTED_WEEKS).map((week) => ({
      place: week.locationName,
      dates: formatDayRange(week.start, week.end),
      seen: leopardsSeen(week),
      others: othersSeen(week.otherSpecies),
    })),
    more:
      unlisted > 0
        ? `…and ${formatNumber(unlisted)} more ${plural(unlisted, 'week', 'weeks')}: your impact page lists every one.`
        : null,
  };
}

/** "2 leopard visits (1 with a cub)."; a week without one says the camera watched all the same. */
function leopardsSeen({ leopardVisits: visits, cubVisits: cubs }: GivenWeek): string {
  if (visits === 0)
    return 'no leopard this time, but the camera watched all week, and that watching is what your socks paid for.';
  const withCubs =
    cubs === 0
      ? ''
      : cubs === visits
        ? plural(visits, ' (with a cub)', ' (all with cubs)')
        : ` (${formatNumber(cubs)} ${plural(cubs, 'with a cub', 'with cubs')})`;
  return `${formatNumber(visits)} leopard ${plural(visits, 'visit', 'visits')}${withCubs}.`;
}

/** "Also seen: Siberian roe deer, wild boar." naming the most seen first; null when nothing else came by. */
function othersSeen(species: GivenWeek['otherSpecies']): string | null {
  if (species.length === 0) return null;
  const named = species.slice(0, NAMED_SPECIES).map((s) => s.name);
  const rest = species.length - named.length;
  return `Also seen: ${named.join(', ')}${rest > 0 ? ` and ${formatNumber(rest)} more species` : ''}.`;
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
    .where(and(gt(s.id, afterId), isNull(s.erasedAt))) // an erased buyer is never written to
    .groupBy(s.id)
    .orderBy(s.id)
    .limit(limit)
    .all();
}

export function countSupporters(db: Db): number {
  return db.select({ n: count() }).from(supporters).where(isNull(supporters.erasedAt)).get()?.n ?? 0;
}
