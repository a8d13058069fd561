import { Cron } from 'croner';
import type { Db } from '../db/client.js';
import { BackgroundLoop } from '../lib/background-loop.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import type { Mailer } from './mailer.js';
import { monthJustEnded, runMonthlyEmails } from './monthly-run.js';
import { isMonthlyRunCompleted } from './monthly-runs.queries.js';

/** A run found due this long after its occurrence was missed (the app was down) rather than fired on time. */
const CATCH_UP_AFTER_MS = 60_000;

/**
 * The monthly impact emails on a schedule (MONTHLY_EMAIL_CRON in MONTHLY_EMAIL_TZ). Each pass, at
 * start and at every occurrence, runs the month of the schedule's latest occurrence unless that
 * run went through every supporter already: so a run that fell due while the app was stopped (a
 * deploy at 09:00 on the 1st), or that a shutdown stopped halfway, goes when the app starts,
 * queueing only what is missing. Runs go one after another; stopping ends a run after its page.
 */
export function scheduleMonthlyEmails(
  deps: {
    db: Db;
    mailer: Mailer;
    clock: Clock;
    logger: Logger;
    onQueued: () => void;
    /** How far the run has gone through the supporters (the metrics show it). */
    onProgress?: (period: string, done: number, total: number) => void;
  },
  schedule: { cron: string; timezone: string },
): BackgroundLoop {
  const { db, mailer, clock, logger } = deps;
  const loop: BackgroundLoop = new BackgroundLoop(
    'the monthly impact run',
    async () => {
      const now = clock.now();
      const due = lastScheduledOccurrence(schedule.cron, schedule.timezone, now);
      if (!due || isMonthlyRunCompleted(db, due.period)) return;
      if (now - due.at > CATCH_UP_AFTER_MS)
        logger.warn('a scheduled monthly impact run was missed or stopped halfway; running it now', {
          period: due.period,
        });
      await runOnce(due.period);
    },
    logger,
    { cron: { pattern: schedule.cron, timezone: schedule.timezone } },
  );

  const runOnce = async (period: string) => {
    const started = performance.now();
    try {
      const summary = await runMonthlyEmails(
        { db, mailer, clock },
        {
          period,
          onProgress: (done, total) => {
            deps.onProgress?.(period, done, total);
            if (loop.isStopping) throw new Error('the app is shutting down');
          },
        },
      );
      logger.info('monthly impact emails queued', {
        period,
        queued: summary.queued,
        skipped: summary.skipped,
        ms: Math.round(performance.now() - started),
      });
      deps.onQueued();
    } catch (error) {
      // Emails queued before the failure stay queued; running it again adds only the missing ones.
      logger.error(`monthly impact run stopped; finish it with \`npm run cli -- emails:monthly --period ${period}\``, {
        error,
      });
    }
  };
  return loop;
}

/** Windows searched back for the latest occurrence, shortest first: a frequent schedule is found in the first. */
const SEARCH_BACK_MS = [60_000, 3_600_000, 86_400_000, 32 * 86_400_000];
const MAX_OCCURRENCES_SCANNED = 1000;

/**
 * The schedule's latest occurrence at or before `now` within the last 32 days, and the month it
 * reports on (the month that had just ended then); null when there was none (a yearly schedule).
 */
export function lastScheduledOccurrence(
  cron: string,
  timezone: string,
  now: number,
): { at: number; period: string } | null {
  const schedule = new Cron(cron, { timezone, paused: true });
  try {
    for (const windowMs of SEARCH_BACK_MS) {
      let latest: Date | null = null;
      let from = new Date(now - windowMs);
      for (let scanned = 0; scanned < MAX_OCCURRENCES_SCANNED; scanned++) {
        const next = schedule.nextRun(from);
        if (!next || next.getTime() > now) break;
        latest = next;
        from = next;
      }
      if (latest) return { at: latest.getTime(), period: monthJustEnded(latest.getTime()) };
    }
    return null;
  } finally {
    schedule.stop();
  }
}
