import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { CheckoutEventSource } from './checkout-events.js';
import { startChildServer, type ChildServer } from './child-server.js';
import { appEnv, newWebhookSecret, serverEnv, type Log } from './environment.js';
import { generateOrders } from './generate-orders.js';
import { medianOf } from './rounds.js';
import { benchWebhooks } from './webhook-bench.js';
import { postCheckoutEvents } from './webhooks.js';

/**
 * What running the app for years costs it (issue: metrics, backups):
 *
 * 1. `GET /metrics` on the 1M-order database: server time per scrape, read from the app's own
 *    request histogram (bar: under 50 ms).
 * 2. Webhooks with metrics on against the same run with metrics off (bar: the ratio to bare
 *    Express within the spread between rounds).
 * 3. A scheduled backup of the 1M-order database while webhooks arrive: the ratio to bare Express
 *    while the backup and its check run, against the ratio just before (bar: at least 0.8 of it),
 *    and the backup verifies.
 *
 *   npm run bench:ops -- [--orders-file FILE] [--only metrics,webhooks,backup] [--rounds N] [--duration S]
 */
const BARS = { scrapeMs: 50, backupRatioShare: 0.8 };
const TOKEN = randomBytes(24).toString('hex'); // made per run: a token is never written in the source
const log: Log = (line) => process.stderr.write(`${line}\n`);

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      orders: { type: 'string', default: '1000000' },
      'orders-file': { type: 'string' },
      only: { type: 'string', default: 'metrics,webhooks,backup' },
      rounds: { type: 'string', default: '3' },
      duration: { type: 'string', default: '6' },
      scrapes: { type: 'string', default: '50' },
    },
  });
  const only = new Set(values.only.split(','));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'socks-bench-ops-'));
  const source = values['orders-file'] ? path.resolve(values['orders-file']) : path.join(dir, 'orders.db');
  log(
    `bench:ops: ${os.cpus().length} CPUs, load average ${os
      .loadavg()
      .map((n) => n.toFixed(2))
      .join(' ')}`,
  );
  try {
    if (!fs.existsSync(source)) {
      log(`generating ${Number(values.orders).toLocaleString('en')} orders`);
      generateOrders({ out: source, orders: Number(values.orders) });
    }
    const results: Record<string, unknown> = {};
    let passed = true;
    if (only.has('metrics')) {
      const scrape = await benchScrape(copyOf(source, dir, 'metrics.db'), Number(values.scrapes));
      results.metrics = scrape;
      passed &&= scrape.passed;
    }
    if (only.has('webhooks')) {
      const webhooks = await benchWebhooksWithMetrics(dir, Number(values.rounds), Number(values.duration));
      results.webhooks = webhooks;
      passed &&= webhooks.passed;
    }
    if (only.has('backup')) {
      const backup = await benchBackupUnderLoad(copyOf(source, dir, 'backup.db'), dir);
      results.backup = backup;
      passed &&= backup.passed;
    }
    process.stdout.write(`${JSON.stringify({ ...results, bars: BARS, passed }, null, 2)}\n`);
    return passed ? 0 : 1;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Scrapes after a warm-up; the server's own histogram says how long each took inside the app. */
async function benchScrape(file: string, scrapes: number) {
  log(`/metrics on ${file}: ${scrapes} scrapes`);
  const app = await startChildServer('app-server', { ...appEnv(file, newWebhookSecret()), METRICS_TOKEN: TOKEN });
  try {
    for (let i = 0; i < 5; i++) await scrape(app);
    const before = serverTime(await scrape(app));
    const client: number[] = [];
    for (let i = 0; i < scrapes; i++) {
      const started = performance.now();
      await scrape(app);
      client.push(performance.now() - started);
    }
    const after = serverTime(await scrape(app));
    // The last scrape's own time is not in its body yet: `after` covers the timed scrapes and the `before` one.
    const serverMs = ((after.sum - before.sum) / (after.count - before.count)) * 1000;
    const result = {
      scrapes,
      serverMsMean: round(serverMs),
      clientMsMedian: round(medianOf(client)),
      clientMsMax: round(Math.max(...client)),
      passed: serverMs < BARS.scrapeMs,
    };
    log(`  server ${result.serverMsMean} ms a scrape (client median ${result.clientMsMedian} ms)`);
    return result;
  } finally {
    await app.stop();
  }
}

async function scrape(app: ChildServer): Promise<string> {
  const res = await fetch(`${app.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
  if (res.status !== 200) throw new Error(`/metrics answered ${res.status}`);
  return res.text();
}

function serverTime(text: string): { sum: number; count: number } {
  const line = (suffix: string) =>
    Number(
      new RegExp(
        `^socks_http_request_duration_seconds_${suffix}\\{method="GET",route="/metrics",status="200"\\} (\\S+)$`,
        'm',
      ).exec(text)?.[1] ?? 0,
    );
  return { sum: line('sum'), count: line('count') };
}

/** The webhook bench twice, metrics off then on, each against its own bare Express rounds. */
async function benchWebhooksWithMetrics(dir: string, rounds: number, durationS: number) {
  const run = async (label: string, env: Record<string, string>) => {
    log(`webhooks, metrics ${label}`);
    const runDir = fs.mkdtempSync(path.join(dir, `webhooks-${label}-`));
    const bench = await benchWebhooks({
      dir: runDir,
      connections: 50,
      durationS,
      rounds,
      warmupS: 2,
      appNodeFlags: [],
      appEnv: env,
      log,
    });
    const ratios = bench.rounds.map((r) => round(r.ratio));
    return {
      ratio: round(bench.ratio),
      rounds: ratios,
      spread: round(Math.max(...ratios) - Math.min(...ratios)),
      check: bench.check.problems,
    };
  };
  const off = await run('off', {});
  const on = await run('on', { METRICS_TOKEN: TOKEN });
  const spread = Math.max(off.spread, on.spread);
  return { off, on, passed: off.ratio - on.ratio <= spread && on.check.length === 0 };
}

/**
 * Bare Express and the app on the 1M-order database, with a backup scheduled for a minute ahead:
 * webhooks before it (the ratio to bare), then from the moment it starts for as long as it and its
 * check take, then the backup's own verdict from its directory.
 */
async function benchBackupUnderLoad(file: string, dir: string) {
  const backupDir = path.join(dir, 'backups');
  const at = new Date(Math.ceil((Date.now() + 75_000) / 60_000) * 60_000);
  const cron = `${at.getUTCMinutes()} ${at.getUTCHours()} * * *`;
  log(`backup under load: ${fs.statSync(file).size.toLocaleString('en')} bytes, scheduled at ${at.toISOString()}`);
  const secret = newWebhookSecret();
  const bare = await startChildServer('bare-server', serverEnv());
  const app = await startChildServer('app-server', {
    ...appEnv(file, secret),
    BACKUP_DIR: backupDir,
    BACKUP_CRON: cron,
    MONTHLY_EMAIL_TZ: 'UTC',
  });
  try {
    const events = new CheckoutEventSource(secret);
    const bareEvents = new CheckoutEventSource(secret);
    const load = (server: ChildServer, src: CheckoutEventSource, durationS: number) =>
      postCheckoutEvents(server, src, { connections: 50, durationS });
    await load(bare, bareEvents, 2);
    await load(app, events, 2);
    const bareBefore = await load(bare, bareEvents, 10);
    const appBefore = await load(app, events, 10);
    const ratioBefore = appBefore.ratePerS / bareBefore.ratePerS;
    log(`  before the backup: ${ratioBefore.toFixed(2)}× bare`);
    const wait = at.getTime() - Date.now();
    if (wait < 0) throw new Error('the backup time passed before the load was ready: run again');
    await sleep(wait);
    const started = Date.now();
    const appDuring = await load(app, events, 30);
    const bareAfter = await load(bare, bareEvents, 10);
    const ratioDuring = appDuring.ratePerS / bareAfter.ratePerS;
    log(`  while the backup runs: ${ratioDuring.toFixed(2)}× bare`);
    let backup: string | undefined;
    let seenAt = Date.now();
    while (
      !(backup = fs.existsSync(backupDir)
        ? fs.readdirSync(backupDir).find((n) => /^socks-.*\.db(\.failed)?$/.test(n))
        : undefined)
    ) {
      if (Date.now() - started > 600_000) break;
      await sleep(1000);
    }
    seenAt = Date.now();
    const isVerified = backup !== undefined && backup.endsWith('.db');
    const share = ratioDuring / ratioBefore;
    return {
      databaseBytes: fs.statSync(file).size,
      ratioBefore: round(ratioBefore),
      ratioDuringBackup: round(ratioDuring),
      share: round(share),
      backup: backup ?? null,
      // The copy's last write (a rename keeps it); the file only has its final name once verified.
      copyWrittenAfterSeconds: backup
        ? round((fs.statSync(path.join(backupDir, backup)).mtimeMs - started) / 1000)
        : null,
      // An upper bound: the first look for the file came after the measured loads.
      verifiedWithinSeconds: backup ? round((seenAt - started) / 1000) : null,
      passed: share >= BARS.backupRatioShare && isVerified,
    };
  } finally {
    await Promise.all([bare.stop(), app.stop()]);
  }
}

function copyOf(source: string, dir: string, name: string): string {
  const target = path.join(dir, name);
  fs.copyFileSync(source, target);
  return target;
}

const round = (n: number) => Math.round(n * 100) / 100;

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
