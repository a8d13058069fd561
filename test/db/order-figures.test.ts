import fs from 'node:fs';
import path from 'node:path';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { afterEach, describe, expect, it } from 'vitest';
import { MIGRATIONS_FOLDER, migrateDatabase, openDatabase, type Database_ } from '../../src/db/client.js';
import { findOrderFigureDrift } from '../../src/ledger/ledger.queries.js';
import { makeTempDir } from '../helpers/test-app.js';

const open: Database_[] = [];
afterEach(() => {
  for (const database of open.splice(0)) database.close();
});

/** A database migrated only up to (not including) the migration tagged `before`, as an older release left it. */
function databaseBefore(before: string): Database_ {
  const dir = makeTempDir();
  const folder = path.join(dir, 'migrations');
  fs.mkdirSync(path.join(folder, 'meta'), { recursive: true });
  const journal = JSON.parse(fs.readFileSync(path.join(MIGRATIONS_FOLDER, 'meta', '_journal.json'), 'utf8')) as { entries: { tag: string }[] };
  const upTo = journal.entries.findIndex((entry) => entry.tag.startsWith(before));
  expect(upTo).toBeGreaterThan(0);
  journal.entries = journal.entries.slice(0, upTo);
  fs.writeFileSync(path.join(folder, 'meta', '_journal.json'), JSON.stringify(journal));
  for (const { tag } of journal.entries) fs.copyFileSync(path.join(MIGRATIONS_FOLDER, `${tag}.sql`), path.join(folder, `${tag}.sql`));
  const database = openDatabase(path.join(dir, 'old.db'));
  open.push(database);
  migrate(database.db, { migrationsFolder: folder });
  return database;
}

describe("orders' kept figures (pairs, trap-weeks, and pairs sold, refunded and reversed)", () => {
  it('are filled from the ledger for orders recorded before they existed', () => {
    const database = databaseBefore('0008_');
    const sqlite = database.sqlite;
    sqlite.prepare(`insert into supporters (id, email, token, created_at) values (1, 'old@example.org', 'tok_old_supporter_token_000000001', 0)`).run();
    const order = sqlite.prepare(
      `insert into orders (id, checkout_session_id, payment_intent_id, supporter_id, status, amount_total_minor, currency, paid_at, created_at, updated_at)
       values (?, ?, ?, 1, 'paid', 6000, 'GBP', 0, 0, 0)`,
    );
    order.run(1, 'cs_old_1', 'pi_old_1');
    order.run(2, 'cs_old_2', 'pi_old_2');
    order.run(3, 'cs_old_3', 'pi_old_3'); // no entries at all
    const entry = sqlite.prepare(
      `insert into ledger_entries (kind, order_id, supporter_id, pairs, trap_weeks, donation_minor, currency, occurred_at, recorded_at, reason, period)
       values (?, ?, 1, ?, ?, 0, 'GBP', 0, 0, 'test', '1970-01')`,
    );
    entry.run('sale', 1, 6, 6);
    entry.run('refund', 1, -2, -2);
    entry.run('dispute_lost', 1, -1, -1);
    entry.run('sale', 2, 4, 8);
    entry.run('adjustment', 2, 1, 2);
    entry.run('dispute_lost', 2, -5, -10);
    entry.run('dispute_won', 2, 5, 10);

    migrateDatabase(database.db);

    const figures = sqlite.prepare('select id, pairs, trap_weeks, sold_pairs, refunded_pairs, reversed_pairs from orders order by id').raw().all();
    expect(figures).toEqual([
      [1, 3, 3, 6, 2, 1],
      [2, 5, 10, 5, 0, 0],
      [3, 0, 0, 0, 0, 0],
    ]);
    expect(findOrderFigureDrift(database.db)).toEqual([]);
  });

  it('move with every entry booked to the order, and a figure moved by hand is found', () => {
    const database = databaseBefore('0008_');
    migrateDatabase(database.db);
    const sqlite = database.sqlite;
    sqlite.prepare(`insert into supporters (id, email, token, created_at) values (1, 'a@example.org', 'tok_drift_supporter_token_00000001', 0)`).run();
    sqlite.prepare(`insert into orders (id, checkout_session_id, supporter_id, status, amount_total_minor, currency, created_at, updated_at) values (7, 'cs_7', 1, 'paid', 100, 'GBP', 0, 0)`).run();
    const entry = sqlite.prepare(
      `insert into ledger_entries (kind, order_id, supporter_id, pairs, trap_weeks, donation_minor, currency, occurred_at, recorded_at, reason, period)
       values (?, ?, 1, ?, ?, 0, 'GBP', 0, 0, 't', '1970-01')`,
    );
    const figures = () => sqlite.prepare('select pairs, trap_weeks, sold_pairs, refunded_pairs, reversed_pairs from orders where id = 7').raw().get();
    entry.run('sale', 7, 4, 8);
    expect(figures()).toEqual([4, 8, 4, 0, 0]);
    entry.run('refund', 7, -1, -2);
    entry.run('dispute_lost', 7, -3, -6);
    entry.run('dispute_won', 7, 3, 6);
    entry.run('adjustment', 7, 1, 2);
    entry.run('sale', null, 9, 9); // booked to no order: moves none
    expect(figures()).toEqual([4, 8, 5, 1, 0]);
    expect(findOrderFigureDrift(database.db)).toEqual([]);

    sqlite.prepare('update orders set refunded_pairs = 2 where id = 7').run();
    expect(findOrderFigureDrift(database.db)).toEqual([
      {
        orderId: 7,
        kept: { pairs: 4, trapWeeks: 8, soldPairs: 5, refundedPairs: 2, reversedPairs: 0 },
        summed: { pairs: 4, trapWeeks: 8, soldPairs: 5, refundedPairs: 1, reversedPairs: 0 },
      },
    ]);
  });
});
