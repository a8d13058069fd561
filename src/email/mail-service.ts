import { Cron } from 'croner';
import type { Config } from '../config.js';
import type { Db } from '../db/client.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import { createFileTransport } from './file-transport.js';
import { Mailer } from './mailer.js';
import { monthJustEnded, runMonthlyEmails } from './monthly-run.js';
import { OutboxWorker } from './outbox-worker.js';
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
  let monthlyRun: Promise<void> | null = null;
  let isStopping = false;

  const runScheduled = async () => {
    const period = monthJustEnded(clock.now());
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
    start() {
      isStopping = false;
      outbox.start();
      logger.info('outbox started', { transport: chosen.kind, ...(chosen.kind === 'files' && { dir: config.mail.outboxDir }) });
      const { isEnabled, cron, timezone } = config.mail.monthly;
      if (!isEnabled) return;
      // `protect`: a run still going when the next is due is not started twice.
      job = new Cron(cron, { timezone, protect: true }, () => {
        monthlyRun = runScheduled().finally(() => (monthlyRun = null));
        return monthlyRun;
      });
      logger.info('monthly impact emails scheduled', { cron, timezone, nextRun: job.nextRun()?.toISOString() });
    },
    nextMonthlyRun: () => job?.nextRun() ?? null,
    async stop() {
      isStopping = true;
      job?.stop();
      job = null;
      await monthlyRun;
      await outbox.stop();
    },
  };
}
