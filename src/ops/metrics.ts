import fs from 'node:fs';
import path from 'node:path';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Config } from '../config.js';
import type { Db } from '../db/client.js';
import type { Clock } from '../lib/clock.js';
import { readOperationalState } from './operational-state.queries.js';

export type WebhookOutcome = 'stored' | 'duplicate' | 'rejected';
export type EventOutcome = 'processed' | 'ignored' | 'retrying' | 'failed';

/**
 * What `/metrics` reports, in the Prometheus text format (prom-client, a registry of the app's own).
 * Counters are moved where things happen (a webhook answered, an event processed, a request
 * finished); gauges that describe stored state (queues, ages, file sizes) are read when scraped,
 * each from a small index, so a scrape costs milliseconds however large the database. Labels are
 * bounded sets: route patterns, never paths (a shopper's token must never become a label).
 */
export interface AppMetrics {
  readonly registry: Registry;
  webhook(outcome: WebhookOutcome, reason?: string): void;
  event(type: string, outcome: EventOutcome): void;
  request(method: string, route: string, status: number, seconds: number): void;
  monthlyProgress(period: string, done: number, total: number): void;
  render(): Promise<string>;
}

export function createMetrics(deps: {
  db: Db;
  config: Config;
  clock: Clock;
  lastBackupAt: () => number | null;
}): AppMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 20 });
  const seconds = (ms: number) => ms / 1000;
  const ageOf = (ms: number | null) => (ms === null ? 0 : Math.max(0, seconds(deps.clock.now() - ms)));

  const webhooks = new Counter({
    name: 'socks_webhooks_total',
    help: 'Stripe webhooks answered: stored, duplicate (already stored) or rejected (by reason)',
    labelNames: ['outcome', 'reason'],
    registers: [registry],
  });
  const events = new Counter({
    name: 'socks_events_processed_total',
    help: 'Stored Stripe events worked on, by event type and outcome',
    labelNames: ['type', 'outcome'],
    registers: [registry],
  });
  const requests = new Histogram({
    name: 'socks_http_request_duration_seconds',
    help: 'HTTP requests by method, route pattern and status',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const monthlyDone = new Gauge({
    name: 'socks_monthly_run_supporters_done',
    help: 'Supporters the monthly run in this process has gone through, by month reported on',
    labelNames: ['period'],
    registers: [registry],
  });
  const monthlyTotal = new Gauge({
    name: 'socks_monthly_run_supporters',
    help: 'Supporters the monthly run in this process has to go through, by month reported on',
    labelNames: ['period'],
    registers: [registry],
  });

  // Read when scraped: one pass over the small indexes, shared by the gauges below.
  let state: ReturnType<typeof readOperationalState> | null = null;
  const readState = () => (state ??= readOperationalState(deps.db));
  const onScrape = (collect: (gauge: Gauge) => void) =>
    function (this: Gauge) {
      collect(this);
    };
  new Gauge({
    name: 'socks_events_waiting',
    help: 'Stripe events stored and not yet processed, by status (pending, retrying, failed)',
    labelNames: ['status'],
    registers: [registry],
    collect: onScrape((gauge) => {
      for (const [status, n] of Object.entries(readState().eventsByStatus)) gauge.set({ status }, n);
    }),
  });
  new Gauge({
    name: 'socks_event_processing_lag_seconds',
    help: 'How long the oldest pending Stripe event has waited to be processed (0 when none waits)',
    registers: [registry],
    collect: onScrape((gauge) => gauge.set(ageOf(readState().oldestPendingEventAt))),
  });
  new Gauge({
    name: 'socks_event_failing_seconds',
    help: 'How long ago the oldest event now failing or being retried arrived (0 when none is)',
    registers: [registry],
    collect: onScrape((gauge) => gauge.set(ageOf(readState().oldestFailingEventAt))),
  });
  new Gauge({
    name: 'socks_emails',
    help: 'Emails not yet sent, by state (queued, sending, failed: a retry is due, dead: given up)',
    labelNames: ['state'],
    registers: [registry],
    collect: onScrape((gauge) => {
      for (const [key, n] of Object.entries(readState().emailsByState)) gauge.set({ state: key }, n);
    }),
  });
  new Gauge({
    name: 'socks_email_oldest_due_seconds',
    help: 'How long the oldest email due to be sent has been due (0 when none is)',
    registers: [registry],
    collect: onScrape((gauge) => gauge.set(ageOf(readState().oldestDueEmailAt))),
  });
  new Gauge({
    name: 'socks_monthly_run_completed_timestamp_seconds',
    help: 'When the latest monthly run went through every supporter (Unix time; 0 when none has)',
    registers: [registry],
    collect: onScrape((gauge) => gauge.set(seconds(readState().lastMonthlyRunAt ?? 0))),
  });
  new Gauge({
    name: 'socks_database_bytes',
    help: 'Size of the SQLite database file and its write-ahead log',
    labelNames: ['file'],
    registers: [registry],
    collect: onScrape((gauge) => {
      gauge.set({ file: 'database' }, sizeOf(deps.config.databasePath));
      gauge.set({ file: 'wal' }, sizeOf(`${deps.config.databasePath}-wal`));
    }),
  });
  new Gauge({
    name: 'socks_disk_free_bytes',
    help: 'Free space on the disk that holds the database',
    registers: [registry],
    collect: onScrape((gauge) => gauge.set(freeDiskBytes(deps.config.databasePath))),
  });
  new Gauge({
    name: 'socks_backup_last_good_timestamp_seconds',
    help: 'When the newest verified scheduled backup was made (Unix time; 0 when there is none)',
    registers: [registry],
    collect: onScrape((gauge) => gauge.set(seconds(deps.lastBackupAt() ?? 0))),
  });

  return {
    registry,
    webhook: (outcome, reason = '') => webhooks.inc({ outcome, reason }),
    event: (type, outcome) => events.inc({ type, outcome }),
    request: (method, route, status, s) => requests.observe({ method, route, status: String(status) }, s),
    monthlyProgress(period, done, total) {
      monthlyDone.set({ period }, done);
      monthlyTotal.set({ period }, total);
    },
    async render() {
      state = null;
      try {
        return await registry.metrics();
      } finally {
        state = null;
      }
    },
  };
}

function sizeOf(file: string): number {
  try {
    return fs.statSync(file).size;
  } catch {
    return 0;
  }
}

/** Free bytes for an unprivileged user on the database's disk (0 when it cannot be read). */
export function freeDiskBytes(databasePath: string): number {
  try {
    const stats = fs.statfsSync(path.dirname(path.resolve(databasePath)));
    return stats.bavail * stats.bsize;
  } catch {
    return 0;
  }
}
