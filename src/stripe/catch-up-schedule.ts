import { BackgroundLoop } from '../lib/background-loop.js';
import type { Logger } from '../lib/logger.js';
import { catchUpEvents, type CatchUpDeps, type CatchUpSummary } from './catch-up.js';
import { TemporaryError } from '../errors.js';

/**
 * The server's catch-up from Stripe's Events API: at start and every `everyMs`. A run that fails
 * (Stripe down, a refusal) is logged and loses nothing: the next one resumes from what is stored.
 * A gap older than Stripe keeps events is logged as an error every run that meets it.
 */
export function scheduleCatchUp(deps: CatchUpDeps, logger: Logger, everyMs: number): BackgroundLoop {
  const log = logger.child({ component: 'stripe-catch-up' });
  const loop: BackgroundLoop = new BackgroundLoop(
    'catching up from Stripe',
    async () => {
      try {
        const summary = await catchUpEvents(deps, { shouldStop: () => loop.isStopping });
        reportCatchUp(summary, log);
      } catch (error) {
        const level = error instanceof TemporaryError ? 'warn' : 'error';
        log[level]('catching up from Stripe failed; the next run resumes where it stopped', {
          error: error instanceof Error ? error.message : String(error),
        });
      }
    },
    logger,
    { everyMs },
  );
  return loop;
}

export function reportCatchUp(summary: CatchUpSummary, log: Logger): void {
  if (summary.gap)
    log.error(gapMessage(summary.gap.asked, summary.gap.retentionStart), {
      missingFrom: new Date(summary.gap.asked * 1000).toISOString(),
      missingUntil: new Date(summary.gap.retentionStart * 1000).toISOString(),
    });
  if (summary.stored > 0)
    log.warn('caught up events Stripe had not delivered by webhook', {
      stored: summary.stored,
      listed: summary.listed,
    });
  else log.info('caught up with Stripe', { listed: summary.listed, pages: summary.pages });
}

/** Loud on purpose: sales in the gap may be missing, and only the month check can find them. */
export function gapMessage(asked: number, retentionStart: number): string {
  const months = monthsBetween(asked, retentionStart);
  return (
    `events from ${isoDay(asked)} to ${isoDay(retentionStart)} are older than the 30 days Stripe keeps, ` +
    `so they cannot be caught up: check ${months.length === 1 ? 'that month' : 'those months'} against Stripe with ` +
    months.map((m) => `npm run cli -- stripe:reconcile --period ${m} --apply`).join(' and ')
  );
}

const isoDay = (seconds: number) => new Date(seconds * 1000).toISOString().slice(0, 10);

function monthsBetween(fromSeconds: number, toSeconds: number): string[] {
  const months: string[] = [];
  const d = new Date(fromSeconds * 1000);
  let cursor = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
  while (cursor <= toSeconds * 1000) {
    months.push(new Date(cursor).toISOString().slice(0, 7));
    const c = new Date(cursor);
    cursor = Date.UTC(c.getUTCFullYear(), c.getUTCMonth() + 1, 1);
  }
  return months;
}
