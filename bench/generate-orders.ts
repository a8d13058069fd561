import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import type Database from 'better-sqlite3';
import { getTableName } from 'drizzle-orm';
import type { SQLiteColumn, SQLiteTable } from 'drizzle-orm/sqlite-core';
import { ensureDefaultRule, ruleInForce } from '../src/conversion/conversion-rules.js';
import { openDatabase } from '../src/db/client.js';
import { migrateDatabase } from '../src/db/migrate.js';
import { ledgerEntries, orderLines, orders, supporters } from '../src/db/schema/index.js';
import { readTotals } from '../src/ledger/ledger.queries.js';
import { isoDay } from '../src/lib/clock.js';
import { periodOf } from '../src/lib/months.js';
import { newSupporterToken } from '../src/supporters/supporters.queries.js';

export interface GenerateOrdersOptions {
  out: string;
  orders?: number;
  supporters?: number;
  /** Called after each committed chunk. */
  onProgress?: (ordersDone: number, ordersTotal: number) => void;
}

export interface GeneratedOrders {
  file: string;
  orders: number;
  supporters: number;
  pairs: number;
  trapWeeks: number;
  /** Supporters with net pairs above zero: the public `supporters` figure. */
  supportersWithImpact: number;
  seconds: number;
}

const CHUNK = 50_000; // orders per transaction
const ROWS_PER_INSERT = 500; // rows per multi-row insert; 14 columns × 500 stays well below SQLite's 32,766 variables
const GBP_PER_PACK_MINOR = 1200;
const DAY_MS = 86_400_000;

/**
 * A fresh, migrated SQLite file holding `orders` paid GBP orders (one line item, one sale entry
 * each) from `supporters` shoppers, spread over the last two years, with every running sum equal
 * to the sums of the entries: what the app would hold after processing that many purchases. Order
 * i buys (1 + i % 3)-packs, quantity 1 + i % 2.
 */
export function generateOrders(opts: GenerateOrdersOptions): GeneratedOrders {
  const orderCount = opts.orders ?? 1_000_000;
  const supporterCount = Math.min(opts.supporters ?? 100_000, orderCount);
  const started = performance.now();
  for (const suffix of ['', '-wal', '-shm']) fs.rmSync(`${opts.out}${suffix}`, { force: true });

  const database = openDatabase(opts.out);
  const { db, sqlite } = database;
  migrateDatabase(db);
  const now = Date.now();
  const firstPaidAt = now - 730 * DAY_MS;
  ensureDefaultRule(db, 1, { GBP: 100 }, firstPaidAt);
  const rule = ruleInForce(db, isoDay(firstPaidAt));
  const donationPerPair = rule.donationPerPairMinor.GBP ?? 0;

  // A throwaway file being filled in one go: no journal, no fsync, no per-row foreign-key lookups
  // (every reference is made consistent by construction and checked at the end).
  sqlite.pragma('journal_mode = OFF');
  sqlite.pragma('synchronous = OFF');
  sqlite.pragma('foreign_keys = OFF');
  sqlite.pragma('cache_size = -262144');
  // The running sums are rebuilt in one go at the end (set-based), not moved by a trigger per row.
  for (const trigger of sqlite
    .prepare("select name from sqlite_master where type = 'trigger' and name like 'running_sums_%'")
    .pluck()
    .all() as string[]) {
    sqlite.exec(`drop trigger "${trigger}"`);
  }

  insertSupporters(sqlite, supporterCount, firstPaidAt);
  const insertOrder = bulkInsert(sqlite, orders, [
    orders.id,
    orders.checkoutSessionId,
    orders.paymentIntentId,
    orders.supporterId,
    orders.status,
    orders.amountTotalMinor,
    orders.currency,
    orders.livemode,
    orders.paidAt,
    orders.ruleId,
    orders.hasLines,
    orders.isDonationRateMissing,
    orders.createdAt,
    orders.updatedAt,
  ]);
  const insertLine = bulkInsert(sqlite, orderLines, [
    orderLines.id,
    orderLines.orderId,
    orderLines.stripeLineItemId,
    orderLines.stripePriceId,
    orderLines.stripeProductId,
    orderLines.description,
    orderLines.quantity,
    orderLines.pairsPerUnit,
    orderLines.amountTotalMinor,
  ]);
  const insertEntry = bulkInsert(sqlite, ledgerEntries, [
    ledgerEntries.id,
    ledgerEntries.kind,
    ledgerEntries.orderId,
    ledgerEntries.supporterId,
    ledgerEntries.pairs,
    ledgerEntries.trapWeeks,
    ledgerEntries.donationMinor,
    ledgerEntries.currency,
    ledgerEntries.occurredAt,
    ledgerEntries.recordedAt,
    ledgerEntries.reason,
    ledgerEntries.eventId,
    ledgerEntries.period,
  ]);

  let pairsTotal = 0;
  const spacingMs = (now - firstPaidAt) / orderCount;
  for (let from = 1; from <= orderCount; from += CHUNK) {
    const to = Math.min(orderCount, from + CHUNK - 1);
    sqlite.transaction(() => {
      for (let id = from; id <= to; id++) {
        const pairsPerUnit = 1 + (id % 3);
        const quantity = 1 + (id % 2);
        const pairs = pairsPerUnit * quantity;
        const amount = GBP_PER_PACK_MINOR * quantity;
        const supporterId = 1 + (id % supporterCount);
        const paidAt = Math.floor(firstPaidAt + id * spacingMs);
        const key = String(id).padStart(9, '0'); // sorted keys: index inserts append instead of splitting pages
        const sessionId = `cs_bench_${key}`;
        insertOrder.add(
          id,
          sessionId,
          `pi_bench_${key}`,
          supporterId,
          'paid',
          amount,
          'GBP',
          0,
          paidAt,
          rule.id,
          1,
          0,
          paidAt,
          paidAt,
        );
        insertLine.add(
          id,
          id,
          `li_bench_${key}`,
          `price_socks_${pairsPerUnit}`,
          `prod_socks_${pairsPerUnit}`,
          `Leopard socks (${pairsPerUnit}-pack)`,
          quantity,
          pairsPerUnit,
          amount,
        );
        insertEntry.add(
          id,
          'sale',
          id,
          supporterId,
          pairs,
          pairs * rule.trapWeeksPerPair,
          pairs * donationPerPair,
          'GBP',
          paidAt,
          paidAt + 1000,
          `paid checkout ${sessionId}`,
          `evt_bench_${key}`,
          periodOf(paidAt),
        );
        pairsTotal += pairs;
      }
      insertOrder.flush();
      insertLine.flush();
      insertEntry.flush();
    })();
    opts.onProgress?.(to, orderCount);
  }

  migrateDatabase(db); // puts the running sums' triggers back, and rebuilds every sum from the entries
  const supportersWithImpact = readTotals(db).supporters;
  const brokenReferences = sqlite.pragma('foreign_key_check') as unknown[];
  if (brokenReferences.length > 0) throw new Error(`generated rows break ${brokenReferences.length} foreign keys`);
  sqlite.pragma('journal_mode = WAL'); // how the app keeps the file
  database.close();
  return {
    file: opts.out,
    orders: orderCount,
    supporters: supporterCount,
    pairs: pairsTotal,
    trapWeeks: pairsTotal * rule.trapWeeksPerPair,
    supportersWithImpact,
    seconds: (performance.now() - started) / 1000,
  };
}

function insertSupporters(sqlite: Database.Database, count: number, createdAt: number): void {
  const insert = bulkInsert(sqlite, supporters, [
    supporters.id,
    supporters.email,
    supporters.name,
    supporters.token,
    supporters.isSubscribed,
    supporters.isDeliverable,
    supporters.createdAt,
  ]);
  sqlite.transaction(() => {
    for (let id = 1; id <= count; id++)
      insert.add(id, `supporter${id}@example.org`, null, newSupporterToken(), 1, 1, createdAt);
    insert.flush();
  })();
}

/** Buffers rows and writes them ROWS_PER_INSERT at a time through one prepared multi-row insert. */
function bulkInsert(sqlite: Database.Database, table: SQLiteTable, columns: SQLiteColumn[]) {
  const row = `(${columns.map(() => '?').join(', ')})`;
  const sqlFor = (rows: number) =>
    `insert into "${getTableName(table)}" (${columns.map((c) => `"${c.name}"`).join(', ')}) values ${Array<string>(rows).fill(row).join(', ')}`;
  const full = sqlite.prepare(sqlFor(ROWS_PER_INSERT));
  let values: unknown[] = [];
  let rows = 0;
  return {
    add(...row: unknown[]) {
      for (const value of row) values.push(value);
      if (++rows === ROWS_PER_INSERT) {
        full.run(values);
        values = [];
        rows = 0;
      }
    },
    flush() {
      if (rows > 0) sqlite.prepare(sqlFor(rows)).run(values);
      values = [];
      rows = 0;
    },
  };
}

function main(): void {
  const { values } = parseArgs({
    options: {
      orders: { type: 'string', default: '1000000' },
      supporters: { type: 'string', default: '100000' },
      out: { type: 'string', default: 'data/bench-orders.db' },
    },
  });
  const out = path.resolve(values.out);
  const result = generateOrders({
    out,
    orders: Number(values.orders),
    supporters: Number(values.supporters),
    onProgress: (done, total) =>
      process.stderr.write(`\rorders ${done.toLocaleString('en')} / ${total.toLocaleString('en')}`),
  });
  process.stderr.write('\n');
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main();
