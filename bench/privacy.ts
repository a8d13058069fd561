import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config.js';
import { createContext, type AppContext } from '../src/context.js';
import { transaction } from '../src/db/client.js';
import { monthJustEnded, runMonthlyEmails } from '../src/email/monthly-run.js';
import { auditLedger, isLedgerConsistent } from '../src/ledger/audit-ledger.js';
import { readTotals } from '../src/ledger/ledger.queries.js';
import { previousPeriod } from '../src/lib/months.js';
import { COMMAND_LINE } from '../src/staff/audit-log.js';
import { insertEventsIfNew } from '../src/stripe/events.queries.js';
import { checkoutSession, randomId, stripeEvent } from '../src/stripe/simulated-events.js';
import type { VerifiedEvent } from '../src/stripe/verify-event.js';
import { eraseSupporter } from '../src/supporters/erase-supporter.js';
import { exportSupporterData } from '../src/supporters/export-supporter-data.js';
import { findSupporterByEmail, type Supporter } from '../src/supporters/supporters.queries.js';
import { BENCH_DIR } from './child-server.js';
import { newWebhookSecret } from './environment.js';
import { generateOrders } from './generate-orders.js';

const USAGE = `npm run bench:privacy -- [options]
  --orders N        other buyers' orders in the database (default 200000, from 20,000 buyers)
  --buyer-orders N  orders of each buyer measured (default 1000; one in ten partly refunded)
  --buyers N        buyers measured: each is exported --runs times, then erased once (default 3)
  --runs N          exports timed per buyer (default 5)`;

/** The bars: a buyer with 1,000 orders erased, and their data exported, each in under a second. */
const BARS = { eraseMs: 1000, exportMs: 1000 };
const DAY_MS = 86_400_000;
const log = (line: string) => process.stderr.write(`${line}\n`);

/**
 * Data rights at a shop's scale: buyers with a thousand orders each (webhooks processed as the
 * server processes them: receipts queued, refunds applied, payloads with names, addresses and
 * phones), among other buyers' orders and two monthly runs of email. Times the export (built and
 * serialised, as the route sends it) and the erasure (one transaction, committed to disk), each
 * against a baseline read in the same run: plain SELECTs of the same rows, with no work on them.
 */
async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      orders: { type: 'string', default: '200000' },
      'buyer-orders': { type: 'string', default: '1000' },
      buyers: { type: 'string', default: '3' },
      runs: { type: 'string', default: '5' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) return (void process.stdout.write(`${USAGE}\n`), 0);
  const [otherOrders, buyerOrders, buyers, runs] = [
    Number(values.orders),
    Number(values['buyer-orders']),
    Number(values.buyers),
    Number(values.runs),
  ];
  log(
    `bench:privacy: ${os.cpus().length} CPUs, load average ${os
      .loadavg()
      .map((n) => n.toFixed(2))
      .join(' ')}`,
  );
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'socks-bench-privacy-'));
  const file = path.join(dir, 'socks.db');
  try {
    log(`generating ${otherOrders.toLocaleString('en')} other orders…`);
    generateOrders({ out: file, orders: otherOrders, supporters: Math.max(1, Math.round(otherOrders / 10)) });
    const ctx = createContext(
      loadConfig({
        NODE_ENV: 'production',
        DATABASE_PATH: file,
        MAIL_OUTBOX_DIR: path.join(dir, 'outbox'),
        PUBLIC_URL: 'https://socks.example',
        STRIPE_WEBHOOK_SECRET: newWebhookSecret(),
        SESSION_SECRET: randomBytes(32).toString('base64url'),
        LOG_LEVEL: 'error',
      }),
    );
    try {
      const measured: Supporter[] = [];
      for (let b = 1; b <= buyers; b++) {
        log(`buyer ${b}: processing ${buyerOrders.toLocaleString('en')} purchases and their refunds…`);
        measured.push(await buyMany(ctx, `buyer${b}@example.org`, buyerOrders));
      }
      await ctx.allocation.drain();
      const period = monthJustEnded(Date.now());
      for (const month of [previousPeriod(period), period]) {
        log(`queueing the monthly emails for ${month}…`);
        await runMonthlyEmails({ db: ctx.db, mailer: ctx.mail.mailer, clock: ctx.clock }, { period: month });
      }
      const sqlite = ctx.database.sqlite;
      const count = (table: string) => sqlite.prepare(`select count(*) from ${table}`).pluck().get() as number;
      log(
        `database: ${count('orders').toLocaleString('en')} orders, ${count('stripe_events').toLocaleString('en')} ` +
          `stored events, ${count('email_outbox').toLocaleString('en')} emails, ${count('trap_week_allocations').toLocaleString('en')} numbered trap-weeks`,
      );

      const exportMs: number[] = [];
      const exportBaselineMs: number[] = [];
      let exportBytes = 0;
      for (const buyer of measured) {
        for (let run = 0; run <= runs; run++) {
          const ms = time(() => {
            exportBytes = JSON.stringify(exportSupporterData(ctx.db, buyer, Date.now()), null, 2).length;
          });
          const baseline = time(() => readSameRows(ctx, buyer.id));
          if (run > 0) {
            exportMs.push(ms); // the first run of each buyer warms the statements up
            exportBaselineMs.push(baseline);
          }
        }
      }
      const totalsBefore = readTotals(ctx.db);
      const eraseMs: number[] = [];
      const eraseBaselineMs: number[] = [];
      let erased = { orders: 0, emailsEmptied: 0, stripeEventsCleaned: 0 };
      for (const buyer of measured) {
        eraseBaselineMs.push(time(() => readSameRows(ctx, buyer.id)));
        eraseMs.push(
          time(() => {
            erased = eraseSupporter(
              ctx.db,
              { supporterId: buyer.id, reason: 'benchmark', confirmEmail: buyer.email },
              COMMAND_LINE,
              Date.now(),
            );
          }),
        );
      }
      log('checking the ledger after the erasures…');
      const isUnmoved = JSON.stringify(readTotals(ctx.db)) === JSON.stringify(totalsBefore);
      const isConsistent = isLedgerConsistent(auditLedger(ctx.db));
      const results = {
        otherOrders,
        buyerOrders,
        buyers,
        erased,
        export: { ...summary(exportMs), baseline: summary(exportBaselineMs), megabytes: round(exportBytes / 2 ** 20) },
        erase: { ...summary(eraseMs), baseline: summary(eraseBaselineMs) },
        ledgerUnmoved: isUnmoved && isConsistent,
        bars: BARS,
        passed:
          Math.max(...exportMs) < BARS.exportMs && Math.max(...eraseMs) < BARS.eraseMs && isUnmoved && isConsistent,
      };
      report(results);
      fs.mkdirSync(path.join(BENCH_DIR, 'results'), { recursive: true });
      fs.writeFileSync(path.join(BENCH_DIR, 'results', 'privacy.json'), `${JSON.stringify(results, null, 2)}\n`);
      return results.passed ? 0 : 1;
    } finally {
      await ctx.close();
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * `count` paid purchases by one buyer, a day's worth of seconds apart, six weeks ago (so the monthly
 * runs include them), stored as the webhook stores them and processed by the app's own processor;
 * every tenth is half refunded by a charge.refunded carrying billing details.
 */
async function buyMany(ctx: AppContext, email: string, count: number): Promise<Supporter> {
  const startedAt = Math.floor((Date.now() - 45 * DAY_MS) / 1000);
  const events: VerifiedEvent[] = [];
  for (let i = 0; i < count; i++) {
    const created = startedAt + i * 60;
    const paymentIntentId = randomId('pi');
    const session = checkoutSession({
      email,
      name: 'Ada Lovelace',
      paymentIntentId,
      createdSeconds: created,
      embedLineItems: true,
      lines: [{ pairsPerUnit: 1 + (i % 3), quantity: 2, unitAmountMinor: 1200 }],
    });
    Object.assign(session.customer_details, {
      phone: '+44 20 7946 0000',
      address: { line1: '12 Analytical Row', city: 'London', postal_code: 'N1 9GU', country: 'GB' },
    });
    events.push(verified(stripeEvent('checkout.session.completed', session, { createdSeconds: created })));
    if (i % 10 === 0)
      events.push(
        verified(
          stripeEvent(
            'charge.refunded',
            {
              id: randomId('ch'),
              object: 'charge',
              amount: 2400,
              amount_refunded: 1200,
              currency: 'gbp',
              payment_intent: paymentIntentId,
              billing_details: { email, name: 'Ada Lovelace', phone: '+44 20 7946 0000' },
            },
            { createdSeconds: created + 30 },
          ),
        ),
      );
  }
  transaction(ctx.db, (tx) => insertEventsIfNew(tx, events, Date.now()));
  await ctx.events.drain();
  const buyer = findSupporterByEmail(ctx.db, email);
  if (!buyer) throw new Error(`${email} was not recorded`);
  return buyer;
}

function verified(event: ReturnType<typeof stripeEvent>): VerifiedEvent {
  return {
    id: event.id,
    type: event.type,
    created: event.created,
    apiVersion: event.api_version,
    livemode: false,
    payload: JSON.stringify(event),
  };
}

/**
 * The baseline: the rows the export and the erasure deal with, read as they are with plain SELECTs
 * (orders, their lines, ledger entries and trap-weeks, the stored events about them, their emails
 * by key), and nothing done with them.
 */
function readSameRows(ctx: AppContext, supporterId: number): number {
  const sqlite = ctx.database.sqlite;
  const ofBuyer = 'select id from orders where supporter_id = ?';
  let rows = 0;
  for (const statement of [
    'select * from orders where supporter_id = ?',
    `select * from order_lines where order_id in (${ofBuyer})`,
    `select * from ledger_entries where order_id in (${ofBuyer})`,
    `select * from trap_week_allocations where order_id in (${ofBuyer})`,
    `select * from stripe_events where json_extract(payload, '$.data.object.id') in
       (select checkout_session_id from orders where supporter_id = ?)`,
    `select * from stripe_events where json_extract(payload, '$.data.object.payment_intent') in
       (select payment_intent_id from orders where supporter_id = ?)`,
    `select * from email_outbox where idempotency_key in
       (select 'receipt:' || checkout_session_id from orders where supporter_id = ?)`,
  ])
    rows += sqlite.prepare(statement).all(supporterId).length;
  return rows;
}

function time(work: () => void): number {
  const started = performance.now();
  work();
  return performance.now() - started;
}

function summary(ms: number[]) {
  const sorted = [...ms].sort((a, b) => a - b);
  return { runs: ms.length, medianMs: round(sorted[Math.floor(sorted.length / 2)]!), maxMs: round(sorted.at(-1)!) };
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}

function report(r: {
  buyerOrders: number;
  export: ReturnType<typeof summary> & { baseline: ReturnType<typeof summary>; megabytes: number };
  erase: ReturnType<typeof summary> & { baseline: ReturnType<typeof summary> };
  erased: { orders: number; emailsEmptied: number; stripeEventsCleaned: number };
  ledgerUnmoved: boolean;
}): void {
  const line = (name: string, s: ReturnType<typeof summary> & { baseline: ReturnType<typeof summary> }, bar: number) =>
    `${s.maxMs < bar ? 'PASS' : 'FAIL'}  ${name}: median ${s.medianMs} ms, max ${s.maxMs} ms ` +
    `(bar < ${bar} ms; baseline, plain SELECTs of the same rows: median ${s.baseline.medianMs} ms)`;
  const orders = r.buyerOrders.toLocaleString('en');
  process.stdout.write(
    [
      line(`exporting a buyer with ${orders} orders (${r.export.megabytes} MB of JSON)`, r.export, BARS.exportMs),
      line(
        `erasing a buyer with ${orders} orders (${r.erased.emailsEmptied} emails emptied, ${r.erased.stripeEventsCleaned} events cleaned)`,
        r.erase,
        BARS.eraseMs,
      ),
      `${r.ledgerUnmoved ? 'PASS' : 'FAIL'}  the ledger's totals unmoved and consistent after the erasures`,
      '',
    ].join('\n'),
  );
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    log(error instanceof Error ? (error.stack ?? error.message) : String(error));
    process.exit(1);
  },
);
