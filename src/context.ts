import type Stripe from 'stripe';
import type { Config } from './config.js';
import { openDatabase, type Database_, type Db } from './db/client.js';
import { migrateDatabase } from './db/migrate.js';
import { ensureDefaultRule } from './conversion/conversion-rules.js';
import { createMailService, type MailService } from './email/mail-service.js';
import type { MailTransport } from './email/transport.js';
import { systemClock, type Clock } from './lib/clock.js';
import { createLogger, type Logger } from './lib/logger.js';
import { EventProcessor } from './stripe/event-processor.js';
import { scheduleAllocation } from './camtrap/allocate-weeks.js';
import { ImportJobs } from './camtrap/import-jobs.js';
import { scheduleBackups, type BackupSchedule } from './ops/backup-schedule.js';
import { createMetrics, type AppMetrics } from './ops/metrics.js';
import type { BackgroundLoop } from './lib/background-loop.js';
import { EventWriter } from './stripe/event-writer.js';
import { EmailFeedback } from './email/feedback/email-feedback.js';
import { ImpactLinkQueue } from './supporters/impact-link-queue.js';
import { requestImpactLink } from './supporters/request-impact-link.js';
import { scheduleCatchUp } from './stripe/catch-up-schedule.js';
import { MonthCheckJobs } from './stripe/month-check-jobs.js';
import { createStripeClient, isLiveKey, stripeLineItemSource, type LineItemSource } from './stripe/line-items.js';

/** Everything the app and the CLI need, built once: the one place that wires parts together. */
export interface AppContext {
  readonly config: Config;
  readonly db: Db;
  readonly database: Database_;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly stripe: Stripe;
  readonly eventWriter: EventWriter;
  readonly events: EventProcessor;
  /** `mail.mailer` queues emails (inside any transaction); `mail.outbox` sends them. */
  readonly mail: MailService;
  /** Bounce, complaint and delivery webhooks from the mail provider. */
  readonly emailFeedback: EmailFeedback;
  /** "Email me my link" requests, looked at away from the request that made them. */
  readonly linkRequests: ImpactLinkQueue;
  /** Matches funded trap-weeks to camera-weeks in the background; wake it after an import. */
  readonly allocation: BackgroundLoop;
  /** Catches up on missed webhooks from Stripe's Events API every STRIPE_SYNC_INTERVAL; null when off. */
  readonly catchUp: BackgroundLoop | null;
  /** Months checked against Stripe from the console, in the background. */
  readonly monthChecks: MonthCheckJobs;
  /** Camera-trap packages uploaded in the console, imported one at a time off the event loop. */
  readonly camtrapImports: ImportJobs;
  /** Verified backups on a schedule, when BACKUP_DIR is set. */
  readonly backups: BackupSchedule;
  /** What /metrics reports: counters the app moves, gauges read when scraped. */
  readonly metrics: AppMetrics;
  close(): Promise<void>;
}

export interface ContextOverrides {
  clock?: Clock;
  logger?: Logger;
  stripe?: Stripe;
  lineItems?: LineItemSource;
  mailTransport?: MailTransport;
  /**
   * Tests only: origins (`http://127.0.0.1:PORT`) trusted for SNS certificates and subscription
   * URLs besides AWS's own https hosts. Deliberately not a setting: production cannot widen it.
   */
  snsTrustedOrigins?: readonly string[];
}

/** Opens and migrates the database and builds the services. Tests pass overrides; nothing is mocked. */
export function createContext(config: Config, overrides: ContextOverrides = {}): AppContext {
  const clock = overrides.clock ?? systemClock;
  const logger = overrides.logger ?? createLogger(config.logLevel);
  const database = openDatabase(config.databasePath);
  const { db } = database;
  const started = performance.now();
  if (migrateDatabase(db).isRunningSumsRebuilt) {
    logger.info("the ledger's running sums were built from its entries (a new database, or an upgrade changed them)", {
      ms: Math.round(performance.now() - started),
    });
  }
  ensureDefaultRule(db, config.trapWeeksPerPair, config.donationPerPair, clock.now());
  const metrics = createMetrics({ db, config, clock, lastBackupAt: () => backups.lastGoodAt() });
  const stripe = overrides.stripe ?? createStripeClient(config.secrets.stripeSecretKey, config.stripeApiUrl);
  const lineItems = overrides.lineItems ?? stripeLineItemSource(stripe, Boolean(config.secrets.stripeSecretKey));
  const mail = createMailService(config, db, clock, logger, overrides.mailTransport, (period, done, total) =>
    metrics.monthlyProgress(period, done, total),
  );
  const events = new EventProcessor(
    db,
    clock,
    logger,
    lineItems,
    {
      // The thank-you email commits with the order's ledger entries, or not at all.
      onOrderPaid: (tx, orderId) => {
        if (mail.mailer.queueReceipt(tx, orderId)) mail.outbox.wake();
      },
    },
    (type, outcome) => metrics.event(type, outcome),
  );
  const linkRequests = new ImpactLinkQueue((request, log) => {
    const result = requestImpactLink(db, mail.mailer, request.email, request.requestKey);
    if (result === 'queued') mail.outbox.wake();
    log.info('impact link requested', { result });
  }, logger);
  const allocation = scheduleAllocation(db, () => clock.now(), logger.child({ component: 'camera-weeks' }));
  const camtrapImports = new ImportJobs(config.databasePath, clock, logger.child({ component: 'camtrap-import' }), () =>
    allocation.wake(),
  );
  const backups = scheduleBackups({ db, clock, logger }, config.ops.backup);
  const eventWriter = new EventWriter(db, clock);
  const catchUp =
    config.stripeSyncIntervalMs > 0
      ? scheduleCatchUp(
          { db, stripe, writer: eventWriter, clock, onStored: () => events.eventArrived() },
          logger,
          config.stripeSyncIntervalMs,
        )
      : null;
  const monthChecks = new MonthCheckJobs({
    db,
    stripe,
    isLiveKey: isLiveKey(config.secrets.stripeSecretKey),
    clock,
    logger: logger.child({ component: 'month-check' }),
    onStored: () => events.wake(),
  });
  return {
    config,
    db,
    database,
    clock,
    logger,
    stripe,
    emailFeedback: new EmailFeedback(
      db,
      clock,
      logger.child({ component: 'email-feedback' }),
      config.emailFeedback,
      config.secrets.emailFeedback,
      overrides.snsTrustedOrigins,
    ),
    eventWriter,
    catchUp,
    monthChecks,
    events,
    mail,
    linkRequests,
    allocation,
    camtrapImports,
    backups,
    metrics,
    async close() {
      await backups.stop();
      await catchUp?.stop();
      await monthChecks.stop();
      await camtrapImports.stop();
      await linkRequests.stop();
      await allocation.stop();
      await events.stop();
      await mail.stop();
      database.close();
    },
  };
}
