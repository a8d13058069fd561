import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { sql } from 'drizzle-orm';
import { openDatabase } from '../src/db/client.js';
import { migrateDatabase } from '../src/db/migrate.js';
import { periodOf } from '../src/lib/months.js';
import { closeMonth } from '../src/reconciliation/close-month.js';
import { recordDonationPayment } from '../src/reconciliation/donation-payments.js';
import { COMMAND_LINE } from '../src/staff/audit-log.js';
import { createStaff } from '../src/staff/manage-staff.js';
import { startChildServer, type ChildServer } from './child-server.js';
import { appEnv, newWebhookSecret } from './environment.js';
import { generateOrders } from './generate-orders.js';
import { listCases, seedLists, type ListCase } from './admin-lists.js';

/**
 * The staff console on 1M orders: the dashboard and a month's reconciliation page (bar: under
 * 300 ms each), and the ledger CSV streamed (bar: 100,000 rows/s or more with the server's memory
 * flat, see BARS). The app runs in its own process; this one only asks and times.
 *
 * The console's lists (orders, webhook events, outbox, audit log; bench/admin-lists.ts): the first
 * page and the page after 500,000 rows of each list and sort (bar: under 50 ms each), and the
 * orders CSV filtered (bar: 100,000 rows/s, memory flat).
 *
 *   npm run bench:admin -- [--orders N] [--orders-file FILE] [--runs N] [--only reconciliation|lists]
 */

/**
 * The idle app alone (Node, tsx and the app's modules) already holds about 150 MB resident, so the
 * export's own footprint is judged as what it adds over that: flat means a few tens of MB at most,
 * whatever the number of rows. Both figures are reported.
 */
const BARS = { pageMs: 300, listPageMs: 50, rowsPerSecond: 100_000, peakRssMb: 150, addedRssMb: 50 };
const PASSWORD = 'benchmark password, not a secret';
const log = (line: string) => process.stderr.write(`${line}\n`);

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      orders: { type: 'string', default: '1000000' },
      'orders-file': { type: 'string' },
      runs: { type: 'string', default: '20' },
      only: { type: 'string' },
    },
  });
  const only = values.only;
  if (only !== undefined && only !== 'reconciliation' && only !== 'lists')
    throw new Error('--only takes reconciliation or lists');
  const dir = values['orders-file'] ? null : fs.mkdtempSync(path.join(os.tmpdir(), 'socks-bench-admin-'));
  const file = dir ? path.join(dir, 'orders.db') : path.resolve(values['orders-file']!);
  const runs = Number(values.runs);
  log(
    `bench:admin: ${os.cpus().length} CPUs, load average ${os
      .loadavg()
      .map((n) => n.toFixed(2))
      .join(' ')}`,
  );
  if (!fs.existsSync(file)) {
    log(`generating ${Number(values.orders).toLocaleString('en')} orders`);
    const data = generateOrders({ out: file, orders: Number(values.orders) });
    log(`  done in ${data.seconds.toFixed(1)} s`);
  }
  const months = await prepare(file);
  log(
    `${months.closed} months closed; the month measured is ${months.measured} (${months.rows.toLocaleString('en')} ledger lines)`,
  );

  const cases = only === 'reconciliation' ? null : prepareLists(file, months.measured);

  const app = await startChildServer('app-server', { ...appEnv(file, newWebhookSecret()), BENCH_PROCESSOR: 'off' });
  try {
    const cookie = await signIn(app);
    const results: Record<string, unknown> = { orders: Number(values.orders), bars: BARS };
    let passed = true;
    if (only !== 'lists') {
      const dashboard = await timePage(app, cookie, '/admin', runs);
      const month = await timePage(app, cookie, `/admin/reconciliation/${months.measured}`, runs);
      await timeCsv(app, cookie, ledgerUrls([months.all[0]!])); // warm-up: the first export compiles the code it runs
      const csv = await timeCsv(app, cookie, ledgerUrls([months.measured]));
      const everything = await timeCsv(app, cookie, ledgerUrls(months.all));
      Object.assign(results, {
        dashboard,
        reconciliationMonth: month,
        ledgerCsvMonth: csv,
        ledgerCsvAllMonths: everything,
      });
      passed &&=
        dashboard.p95Ms < BARS.pageMs &&
        month.p95Ms < BARS.pageMs &&
        csv.rowsPerSecond >= BARS.rowsPerSecond &&
        everything.rowsPerSecond >= BARS.rowsPerSecond &&
        everything.addedRssMb < BARS.addedRssMb;
    }
    if (cases) {
      const lists = await timeLists(app, cookie, cases, runs, months.measured);
      Object.assign(results, { lists });
      passed &&= lists.passed;
    }
    results.passed = passed;
    process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
    return passed ? 0 : 1;
  } finally {
    await app.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Seeds the lists that the generated shop leaves small, and reads the cursors of their deep pages. */
function prepareLists(file: string, month: string): ListCase[] {
  const database = openDatabase(file);
  try {
    const started = performance.now();
    const added = seedLists(database.db);
    if (added.events + added.emails + added.audit > 0)
      log(
        `seeded ${added.events.toLocaleString('en')} events, ${added.emails.toLocaleString('en')} emails, ` +
          `${added.audit.toLocaleString('en')} audit entries in ${round((performance.now() - started) / 1000)} s`,
      );
    return listCases(database.db, month);
  } finally {
    database.close();
  }
}

/** Every list's first and deep page (under BARS.listPageMs at p95), then the orders CSV filtered two ways. */
async function timeLists(app: ChildServer, cookie: string, cases: ListCase[], runs: number, month: string) {
  const pages = [];
  for (const c of cases) {
    const first = await timePage(app, cookie, c.firstUrl, runs);
    const deep = await timePage(app, cookie, c.deepUrl, runs);
    pages.push({ label: c.label, deepRows: c.deepRows, first, deep });
  }
  await timeCsv(app, cookie, [`/admin/orders.csv?month=${month}`]); // warm-up
  const paidCsv = await timeCsv(app, cookie, ['/admin/orders.csv?status=paid']);
  const monthCsv = await timeCsv(app, cookie, [`/admin/orders.csv?month=${month}`]);
  const eventsCsv = await timeCsv(app, cookie, ['/admin/events.csv?status=processed']);
  const slowest = Math.max(...pages.flatMap((p) => [p.first.p95Ms, p.deep.p95Ms]));
  const passed =
    slowest < BARS.listPageMs &&
    [paidCsv, monthCsv, eventsCsv].every((c) => c.rowsPerSecond >= BARS.rowsPerSecond) &&
    paidCsv.addedRssMb < BARS.addedRssMb;
  log(`lists: slowest page p95 ${slowest} ms (bar ${BARS.listPageMs} ms)`);
  return { pages, slowestPageP95Ms: slowest, ordersCsvPaid: paidCsv, ordersCsvMonth: monthCsv, eventsCsv, passed };
}

const ledgerUrls = (periods: string[]) => periods.map((period) => `/admin/reconciliation/${period}/ledger.csv`);

/** An admin account, the older half of the months closed and a few donations paid, as a shop a year in would have. */
async function prepare(file: string) {
  const database = openDatabase(file);
  const { db } = database;
  try {
    migrateDatabase(db);
    const now = Date.now();
    if (!db.get(sql`select 1 from staff where email = 'bench@socks.test'`)) {
      await createStaff(db, { email: 'bench@socks.test', role: 'admin', password: PASSWORD }, COMMAND_LINE, () => now);
    }
    const periods = db.all<{ period: string; rows: number }>(
      sql`select period, sum(entries) as rows from ledger_period_sums group by period order by period`,
    );
    const closed: string[] = [];
    const lastClosed = db.get<{ p: string | null }>(sql`select max(period) as p from month_closes`)?.p ?? null;
    for (const { period } of periods.slice(0, Math.floor(periods.length / 2))) {
      if (lastClosed && period <= lastClosed) continue;
      recordDonationPayment(
        db,
        { paidOn: `${period}-28`, amountMinor: 100_000, currency: 'GBP', reference: `bench ${period}`, note: null },
        COMMAND_LINE,
        now,
      );
      closeMonth(db, period, COMMAND_LINE, now);
      closed.push(period);
    }
    const closedTotal = db.get<{ n: number }>(sql`select count(*) as n from month_closes`)?.n ?? 0;
    const open = periods.filter((p) => p.period < periodOf(now) && p.period > (closed.at(-1) ?? lastClosed ?? ''));
    const measured = open.reduce((best, p) => (p.rows > best.rows ? p : best), open[0] ?? periods[0]!);
    return { closed: closedTotal, measured: measured.period, rows: measured.rows, all: periods.map((p) => p.period) };
  } finally {
    database.close();
  }
}

async function signIn(app: ChildServer): Promise<string> {
  const form = await fetch(`${app.url}/admin/login`);
  const anonymous = /socks_staff=([^;]+)/.exec(form.headers.get('set-cookie') ?? '')![1]!;
  const csrf = /name="_csrf" value="([^"]+)"/.exec(await form.text())![1]!;
  const res = await fetch(`${app.url}/admin/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: `socks_staff=${anonymous}` },
    body: new URLSearchParams({ _csrf: csrf, email: 'bench@socks.test', password: PASSWORD }),
  });
  const session = /socks_staff=([^;]+)/.exec(res.headers.get('set-cookie') ?? '')?.[1];
  if (res.status !== 303 || !session) throw new Error(`sign-in failed: ${res.status}`);
  return `socks_staff=${session}`;
}

/** Time to the last byte of a page, after a few warm-up requests. */
async function timePage(app: ChildServer, cookie: string, url: string, runs: number) {
  const times: number[] = [];
  for (let i = 0; i < runs + 3; i++) {
    const started = performance.now();
    const res = await fetch(`${app.url}${url}`, { headers: { cookie } });
    const body = await res.text();
    if (res.status !== 200) throw new Error(`${url} answered ${res.status}: ${body.slice(0, 200)}`);
    if (i >= 3) times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  const at = (q: number) => round(times[Math.min(times.length - 1, Math.floor(q * times.length))]!);
  log(`${url}: median ${at(0.5)} ms, p95 ${at(0.95)} ms, max ${round(times.at(-1)!)} ms`);
  return { url, runs, medianMs: at(0.5), p95Ms: at(0.95), maxMs: round(times.at(-1)!) };
}

/** Streams CSVs one after another, counting rows and sampling the server's memory. */
async function timeCsv(app: ChildServer, cookie: string, urls: string[]) {
  await app.command('gc');
  const baselineRssMb = (await app.stats()).memory.rss / 2 ** 20;
  let peakRssMb = baselineRssMb;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      peakRssMb = Math.max(peakRssMb, (await app.stats()).memory.rss / 2 ** 20);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  })();
  let rows = 0;
  let bytes = 0;
  const started = performance.now();
  for (const url of urls) {
    // node:http rather than fetch: its web streams cost more than the server's work, and would be what we measured.
    await new Promise<void>((resolve, reject) => {
      http
        .get(`${app.url}${url}`, { headers: { cookie } }, (res) => {
          if (res.statusCode !== 200) reject(new Error(`${url} answered ${res.statusCode}`));
          res.on('data', (chunk: Buffer) => {
            bytes += chunk.length;
            for (let at = chunk.indexOf(10); at !== -1; at = chunk.indexOf(10, at + 1)) rows++;
          });
          res.on('end', resolve);
          res.on('error', reject);
        })
        .on('error', reject);
    });
    rows -= 1; // the header line
  }
  const seconds = (performance.now() - started) / 1000;
  sampling = false;
  await sampler;
  const result = {
    urls,
    rows,
    megabytes: round(bytes / 2 ** 20),
    seconds: round(seconds),
    rowsPerSecond: Math.round(rows / seconds),
    baselineRssMb: round(baselineRssMb),
    peakRssMb: round(peakRssMb),
    addedRssMb: round(peakRssMb - baselineRssMb),
  };
  log(
    `${urls.length === 1 ? urls[0] : `${urls.length} CSVs from ${urls[0]}`}: ${rows.toLocaleString('en')} rows in ${result.seconds} s = ${result.rowsPerSecond.toLocaleString('en')} rows/s; ` +
      `server RSS ${result.baselineRssMb} MB idle, peak ${result.peakRssMb} MB (+${result.addedRssMb})`,
  );
  return result;
}

const round = (n: number) => Math.round(n * 10) / 10;

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    log(error instanceof Error ? (error.stack ?? error.message) : String(error));
    process.exit(1);
  },
);
