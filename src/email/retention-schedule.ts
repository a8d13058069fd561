import type { Db } from '../db/client.js';
import { BackgroundLoop } from '../lib/background-loop.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import { pruneSentBodies, type PruneSummary } from './outbox-retention.js';

/** Daily, at 03:30 in the monthly schedule's time zone: a quiet hour for a shop in Europe. */
const PRUNE_CRON = '30 3 * * *';

export interface RetentionSchedule {
  start(): void;
  /** Stops the schedule; a pruning in progress stops after its current batch. */
  stop(): Promise<void>;
  /** Prunes now, as the daily job does, after any pruning already running; null when retention is off or stopping. */
  runNow(): Promise<PruneSummary | null>;
  /** When the daily pruning next runs; null when it is off or stopped. */
  nextRun(): Date | null;
}

/**
 * Empties the text of emails sent more than `keepDays` ago once a day (0: never). A failure is
 * logged and loses nothing, as the emails keep their text until the next run.
 */
export function scheduleRetention(
  deps: { db: Db; clock: Clock; logger: Logger },
  opts: { keepDays: number; timezone: string },
): RetentionSchedule {
  let last: PruneSummary | null = null;
  const loop: BackgroundLoop = new BackgroundLoop(
    'emptying old sent emails',
    async () => {
      last = null;
      const started = performance.now();
      try {
        // A shutdown stops it between batches: what is left goes in the next run.
        last = await pruneSentBodies(deps.db, {
          keepDays: opts.keepDays,
          now: deps.clock.now(),
          shouldStop: () => loop.isStopping,
        });
        if (last.pruned > 0)
          deps.logger.info('old sent emails emptied', {
            pruned: last.pruned,
            keepDays: opts.keepDays,
            ms: Math.round(performance.now() - started),
          });
      } catch (error) {
        deps.logger.error(
          'emptying old sent emails failed; it runs again tomorrow, or run `npm run cli -- emails:prune`',
          { error },
        );
      }
    },
    deps.logger,
    { cron: { pattern: PRUNE_CRON, timezone: opts.timezone }, passesAtStart: false },
  );
  const isOff = opts.keepDays === 0;
  return {
    start: () => (isOff ? undefined : loop.start()),
    stop: () => loop.stop(),
    runNow: async () => {
      if (isOff || loop.isStopping) return null;
      await loop.drain();
      return last;
    },
    nextRun: () => loop.nextRun(),
  };
}
