import type { Config } from '../config.js';
import type { Db } from '../db/client.js';
import type { BackgroundLoop } from '../lib/background-loop.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import { createFileTransport } from './file-transport.js';
import { Mailer } from './mailer.js';
import { scheduleMonthlyEmails } from './monthly-schedule.js';
import { OutboxWorker } from './outbox-worker.js';
import type { PruneSummary } from './outbox-retention.js';
import { scheduleRetention } from './retention-schedule.js';
import { createSmtpTransport } from './smtp-transport.js';
import { EmailTemplates } from './templates.js';
import type { MailTransport } from './transport.js';

/** Email as the rest of the app sees it: a mailer that queues, an outbox that sends, a monthly schedule. */
export interface MailService {
  readonly mailer: Mailer;
  readonly outbox: OutboxWorker;
  /** Starts sending in the background, the daily pruning, and the monthly schedule when MONTHLY_EMAIL_ENABLED. */
  start(): void;
  /**
   * Stops the schedules (a run in progress stops after its current page), lets sends in flight finish,
   * closes connections.
   */
  stop(): Promise<void>;
  /** When the scheduled monthly run next fires; null when the schedule is off. */
  nextMonthlyRun(): Date | null;
  /**
   * Empties the text of emails sent more than EMAIL_RETENTION_DAYS ago, as the daily job does; null
   * when retention is off.
   */
  pruneOldEmails(): Promise<PruneSummary | null>;
  /** When the daily pruning next runs; null when it is off or the service is stopped. */
  nextPruneRun(): Date | null;
}

export function createMailService(
  config: Config,
  db: Db,
  clock: Clock,
  logger: Logger,
  transport?: MailTransport,
  onMonthlyProgress: (period: string, done: number, total: number) => void = () => {},
): MailService {
  const chosen = transport ?? chooseTransport(config);
  const mailer = new Mailer(new EmailTemplates(), { publicUrl: config.publicUrl, mailFrom: config.mailFrom }, clock);
  const outbox = new OutboxWorker(db, clock, logger.child({ component: 'outbox' }), chosen, {
    from: config.mailFrom,
    window: Math.max(50, 10 * config.mail.maxConnections),
  });
  const retention = scheduleRetention(
    { db, clock, logger },
    { keepDays: config.mail.retentionDays, timezone: config.mail.monthly.timezone },
  );
  const { isEnabled, cron, timezone } = config.mail.monthly;
  const monthly: BackgroundLoop | null = isEnabled
    ? scheduleMonthlyEmails(
        { db, mailer, clock, logger, onQueued: () => outbox.wake(), onProgress: onMonthlyProgress },
        { cron, timezone },
      )
    : null;

  return {
    mailer,
    outbox,
    pruneOldEmails: () => retention.runNow(),
    nextPruneRun: () => retention.nextRun(),
    nextMonthlyRun: () => monthly?.nextRun() ?? null,
    start() {
      outbox.start();
      logger.info('outbox started', {
        transport: chosen.kind,
        ...(chosen.kind === 'files' && { dir: config.mail.outboxDir }),
      });
      retention.start();
      monthly?.start();
      if (monthly)
        logger.info('monthly impact emails scheduled', { cron, timezone, nextRun: monthly.nextRun()?.toISOString() });
    },
    async stop() {
      // The pruning stops between batches on its own; the outbox need not wait for it.
      await Promise.all([(monthly?.stop() ?? Promise.resolve()).then(() => outbox.stop()), retention.stop()]);
    },
  };
}

/** SMTP when SMTP_URL is set; otherwise .eml files in the outbox directory, so nothing else need run. */
function chooseTransport(config: Config): MailTransport {
  const smtpUrl = config.secrets.smtpUrl;
  return smtpUrl
    ? createSmtpTransport(smtpUrl, {
        maxConnections: config.mail.maxConnections,
        ratePerSecond: config.mail.ratePerSecond,
        dkim: config.secrets.dkim,
      })
    : createFileTransport(config.mail.outboxDir);
}
