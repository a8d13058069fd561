import { setImmediate as nextTurn } from 'node:timers/promises';
import { findWeeksGivenIn } from '../camtrap/weeks-given.js';
import { transaction, type Db } from '../db/client.js';
import type { Clock } from '../lib/clock.js';
import { isPeriod, periodEnd, periodOf, periodStart, previousPeriod } from '../lib/months.js';
import type { Mailer } from './mailer.js';
import {
  countSupporters,
  monthlyCameraWeeks,
  prepareMonthlyView,
  selectMonthlyCandidates,
  type MonthlyCandidate,
} from './monthly-content.js';
import { recordMonthlyRunCompleted } from './monthly-runs.queries.js';
import { findQueuedKeys, insertOutboxMessage, type NewOutboxMessage } from './outbox.queries.js';
import { BadRequestError } from '../errors.js';

export type SkipReason = 'alreadyQueued' | 'unsubscribed' | 'undeliverable' | 'noImpact';

export interface MonthlyRunSummary {
  period: string;
  isDryRun: boolean;
  /** Supporters looked at: every one on file. */
  supporters: number;
  queued: number;
  skipped: Record<SkipReason, number>;
  /** Dry runs only: the first email the run would queue. */
  sample: { to: string; subject: string; text: string } | null;
}

export interface MonthlyRunOptions {
  period: string;
  isDryRun?: boolean;
  pageSize?: number;
  /** After each page; a throw stops the run (pages already committed stay queued). */
  onProgress?: (done: number, total: number) => void;
}

/** The month before the one `now` falls in (UTC): what a run on the 1st reports on. */
export function monthJustEnded(now: number): string {
  return previousPeriod(periodOf(now));
}

/**
 * Queues the month's impact email for every subscribed, deliverable supporter with at least one
 * net trap-week, at most once per supporter and month (`monthly:<YYYY-MM>:<id>`), so running it
 * again, or after a crash halfway, queues only what is missing. Supporters are read a page at a
 * time, each page committed in one transaction, with a turn of the event loop in between. The
 * camera-weeks given in the month (by `allocated_at`, within the same UTC month) are read once,
 * before the first page, and each email lists its supporter's.
 */
export async function runMonthlyEmails(
  deps: { db: Db; mailer: Mailer; clock: Clock },
  options: MonthlyRunOptions,
): Promise<MonthlyRunSummary> {
  const { db, mailer, clock } = deps;
  const { period, isDryRun = false, pageSize = 1000 } = options;
  if (!isPeriod(period))
    throw new BadRequestError('invalid_period', `The month must look like 2026-10 (got "${period}").`);
  if (periodEnd(period) > clock.now())
    throw new BadRequestError('period_not_ended', `${period} has not ended yet; its emails can go once it has.`);

  const view = prepareMonthlyView(db, period);
  const range = { start: periodStart(period), end: periodEnd(period) };
  // The weeks given camera-weeks in the month, read once for every supporter: no query per email.
  const weeksGiven = findWeeksGivenIn(db, range);
  const compose = (c: MonthlyCandidate) =>
    mailer.composeMonthlyImpact(
      view,
      c,
      { month: c.monthTrapWeeks, total: c.totalTrapWeeks },
      monthlyCameraWeeks(weeksGiven.get(c.id), c.totalTrapWeeks, view.monthLabel),
    );
  const summary: MonthlyRunSummary = {
    period,
    isDryRun,
    supporters: 0,
    queued: 0,
    skipped: { alreadyQueued: 0, unsubscribed: 0, undeliverable: 0, noImpact: 0 },
    sample: null,
  };
  const total = countSupporters(db);
  for (let afterId = 0; ;) {
    const page = selectMonthlyCandidates(db, range, afterId, pageSize);
    if (page.length === 0) break;
    afterId = page.at(-1)!.id;
    queuePage(db, summary, page, compose);
    options.onProgress?.(summary.supporters, Math.max(total, summary.supporters));
    await nextTurn(); // let requests and the outbox in between pages
  }
  if (!isDryRun) recordMonthlyRunCompleted(db, period, clock.now());
  return summary;
}

/** One page of supporters: who is skipped and why, and the emails of the rest queued (or, in a dry run, counted). */
function queuePage(
  db: Db,
  summary: MonthlyRunSummary,
  page: MonthlyCandidate[],
  compose: (c: MonthlyCandidate) => NewOutboxMessage,
): void {
  summary.supporters += page.length;
  const eligible = page.filter((candidate) => {
    const reason = ineligibility(candidate);
    if (reason) summary.skipped[reason]++;
    return !reason;
  });
  const keyOf = (c: MonthlyCandidate) => `monthly:${summary.period}:${c.id}`;
  const queuedAlready = findQueuedKeys(db, eligible.map(keyOf));
  const toQueue = eligible.filter((c) => !queuedAlready.has(keyOf(c)));
  summary.skipped.alreadyQueued += eligible.length - toQueue.length;
  if (summary.isDryRun) {
    const first = toQueue[0];
    if (first && !summary.sample) {
      const message = compose(first);
      summary.sample = { to: message.recipient, subject: message.subject, text: message.textBody };
    }
    summary.queued += toQueue.length;
    return;
  }
  const inserted = insertMany(db, toQueue, compose);
  summary.queued += inserted;
  summary.skipped.alreadyQueued += toQueue.length - inserted; // queued by a run going on at the same time
}

function ineligibility(candidate: MonthlyCandidate): Exclude<SkipReason, 'alreadyQueued'> | null {
  if (candidate.totalTrapWeeks < 1) return 'noImpact';
  if (!candidate.isSubscribed) return 'unsubscribed';
  if (!candidate.isDeliverable) return 'undeliverable';
  return null;
}

/**
 * One transaction for the page; duplicates (another run got there first) are skipped by the unique
 * key. Each email is rendered just before its insert and dropped just after, so rendered bodies
 * never pile up in memory (at 100,000 supporters that decides the run's peak memory).
 */
function insertMany(
  db: Db,
  candidates: MonthlyCandidate[],
  compose: (c: MonthlyCandidate) => NewOutboxMessage,
): number {
  if (candidates.length === 0) return 0;
  return transaction(
    db,
    (tx) => {
      let inserted = 0;
      for (const candidate of candidates) inserted += Number(insertOutboxMessage(tx, compose(candidate)));
      return inserted;
    },
    'immediate',
  );
}
