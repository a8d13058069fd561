import { Cron } from 'croner';
import type { Config } from '../config.js';
import type { Db } from '../db/client.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import { createFileTransport } from './file-transport.js';
import { Mailer } from './mailer.js';
import { monthJustEnded, runMonthlyEmails } from './monthly-run.js';
import { OutboxWorker } from './outbox-worker.js';
import type { PruneSummary } from './outbox-retention.js';
import { scheduleRetention } from './retention-schedule.js';
import { isMonthlyRunCompleted } from './monthly-runs.queries.js';
import { createSmtpTransport } from './smtp-transport.js';
import { EmailTemplates } from './templates.js';
import type { MailTransport } from './transport.js';

/** Email as the rest of the app sees it: a mailer that queues, an outbox that sends, a monthly schedule. */
export interface MailService {
  readonly mailer: Mailer;
  readonly outbox: OutboxWorker;
  /** Starts sending in the background, and the monthly schedule when MONTHLY_EMAIL_ENABLED. */
  start(): void;
  /** Stops the schedule (a run in progress stops after its current page), lets sends in flight finish, closes connections. */
  stop(): Promise<void>;
  /** When the scheduled monthly run next fires; null when the schedule is off. */
  nextMonthlyRun(): Date | null;
  /** Empties the text of emails sent more than EMAIL_RETENTION_DAYS ago, as the daily job does; null when retention is off. */
  pruneOldEmails(): Promise<PruneSummary | null>;
  /** When the daily pruning next runs; null when it is off or the service is stopped. */
  nextPruneRun(): Date | null;
}

export function createMailService(config: Config, db: Db, clock: Clock, logger: Logger, transport?: MailTransport): MailService {
  const smtpUrl = config.secrets.smtpUrl;
  const chosen =
    transport ??
    (smtpUrl
      ? createSmtpTransport(smtpUrl, { maxConnections: config.mail.maxConnections, ratePerSecond: config.mail.ratePerSecond })
      : createFileTransport(config.mail.outboxDir));
  const mailer = new Mailer(new EmailTemplates(), { publicUrl: config.publicUrl, mailFrom: config.mailFrom }, clock);
  const outbox = new OutboxWorker(db, clock, logger.child({ component: 'outbox' }), chosen, {
    from: config.mailFrom,
    window: Math.max(50, 10 * config.mail.maxConnections),
  });
  let job: Cron | null = null;
  const retention = scheduleRetention({ db, clock, logger }, { keepDays: config.mail.retentionDays, timezone: config.mail.monthly.timezone });
  // Runs go one after another (a catch-up and the schedule could otherwise overlap); stop() waits for all.
  let monthlyRuns: Promise<void> = Promise.resolve();
  let isStopping = false;

  const runScheduled = async (period: string) => {
    if (isStopping) return;
    const started = performance.now();
    try {
      const summary = await runMonthlyEmails({ db, mailer, clock }, {
        period,
        onProgress: () => {
          if (isStopping) throw new Error('the app is shutting down');
        },
      });
      logger.info('monthly impact emails queued', { period, queued: summary.queued, skipped: summary.skipped, ms: Math.round(performance.now() - started) });
      outbox.wake();
    } catch (error) {
      // Emails queued before the failure stay queued; running it again adds only the missing ones.
      logger.error('monthly impact run stopped; finish it with `npm run cli -- emails:monthly --period ' + period + '`', { error });
    }
  };

  return {
    mailer,
    outbox,
    pruneOldEmails: () => retention.runNow(),
    nextPruneRun: () => retention.nextRun(),
    start() {
      isStopping = false;
      outbox.start();
      logger.info('outbox started', { transport: chosen.kind, ...(chosen.kind === 'files' && { dir: config.mail.outboxDir }) });
      const { isEnabled, cron, timezone } = config.mail.monthly;
      retention.start();
      if (!isEnabled) return;
      // `protect`: a run still going when the next is due is not started twice.
      const run = (period: string) => (monthlyRuns = monthlyRuns.then(() => runScheduled(period)));
      job = new Cron(cron, { timezone, protect: true }, () => run(monthJustEnded(clock.now())));
      logger.info('monthly impact emails scheduled', { cron, timezone, nextRun: job.nextRun()?.toISOString() });
      // A run that fell due while the app was stopped (a deploy at 09:00 on the 1st), or that a
      // shutdown stopped halfway, goes now: it queues only what is missing.
      const missed = lastScheduledPeriod(cron, timezone, clock.now());
      if (missed && !isMonthlyRunCompleted(db, missed)) {
        logger.warn('a scheduled monthly impact run was missed or stopped halfway; running it now', { period: missed });
        void run(missed);
      }
    },
    nextMonthlyRun: () => job?.nextRun() ?? null,
    async stop() {
      isStopping = true;
      job?.stop();
      job = null;
      // The pruning stops between batches on its own; the outbox need not wait for it.
      await Promise.all([monthlyRuns.then(() => outbox.stop()), retention.stop()]);
    },
  };
}

/** Occurrences looked at when searching back for the last one: a schedule busier than this fires again soon anyway. */
const MAX_OCCURRENCES_SCANNED = 1000;
const SEARCH_BACK_MS = 32 * 86_400_000;

/**
 * The month the schedule's latest occurrence before `now` was for (the month that had just ended
 * then), or null when there was none in the last 32 days, or the schedule fires so often that its
 * next occurrence will do.
 */
export function lastScheduledPeriod(cron: string, timezone: string, now: number): string | null {
  const schedule = new Cron(cron, { timezone, paused: true });
  try {
    let last: Date | null = null;
    let from = new Date(now - SEARCH_BACK_MS);
    for (let scanned = 0; scanned < MAX_OCCURRENCES_SCANNED; scanned++) {
      const next = schedule.nextRun(from);
      if (!next || next.getTime() > now) return last ? monthJustEnded(last.getTime()) : null;
      last = next;
      from = next;
    }
    return null;
  } finally {
    schedule.stop();
  }
}
