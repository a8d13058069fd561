import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Database_ } from '../../src/db/client.js';
import { migrateDatabase } from '../../src/db/migrate.js';
import {
  findOrderFigureDrift,
  findPeriodSumDrift,
  findSupporterTotalDrift,
  findWeekSumDrift,
  rebuildRunningSums,
} from '../../src/db/running-sums.js';
import { auditLedger, isLedgerConsistent } from '../../src/ledger/audit-ledger.js';
import { databaseBefore, openAndKeep } from '../helpers/old-database.js';
import { makeTempDir } from '../helpers/test-app.js';

function freshDatabase(): Database_ {
  return openAndKeep(path.join(makeTempDir(), 'sums.db'), (database) => migrateDatabase(database.db));
}

/** Writes by hand, as any tool could: the sums must follow whoever appends. */
function handWriter(database: Database_) {
  const { sqlite } = database;
  return {
    supporter: (id: number) =>
      sqlite
        .prepare(`insert into supporters (id, email, token, created_at) values (?, ?, ?, 0)`)
        .run(id, `s${id}@example.org`, `tok_${id}_${'x'.repeat(30)}`),
    order: (id: number, supporterId: number | null) =>
      sqlite
        .prepare(
          `insert into orders (id, checkout_session_id, supporter_id, status, amount_total_minor, currency, paid_at, created_at, updated_at) values (?, ?, ?, 'paid', 100, 'GBP', 0, 0, 0)`,
        )
        .run(id, `cs_${id}`, supporterId),
    entry: (
      kind: string,
      orderId: number | null,
      supporterId: number | null,
      pairs: number,
      trapWeeks: number,
      opts: { occurredAt?: number; period?: string; donation?: number } = {},
    ) =>
      sqlite
        .prepare(
          `insert into ledger_entries (kind, order_id, supporter_id, pairs, trap_weeks, donation_minor, currency, occurred_at, recorded_at, reason, period)
           values (?, ?, ?, ?, ?, ?, 'GBP', ?, 0, 'by hand', ?)`,
        )
        .run(
          kind,
          orderId,
          supporterId,
          pairs,
          trapWeeks,
          opts.donation ?? pairs * 100,
          opts.occurredAt ?? Date.UTC(2025, 0, 15),
          opts.period ?? '2025-01',
        ),
    orderFigures: (id: number) =>
      sqlite
        .prepare('select pairs, trap_weeks, sold_pairs, refunded_pairs, reversed_pairs from orders where id = ?')
        .raw()
        .get(id),
    totals: () => sqlite.prepare('select pairs, trap_weeks, supporters from ledger_totals').raw().get(),
    supporterTotals: () =>
      sqlite.prepare('select supporter_id, pairs, trap_weeks from supporter_totals order by 1').raw().all(),
    periodSums: () =>
      sqlite
        .prepare(
          'select period, kind, is_late, entries, pairs, donation_minor from ledger_period_sums order by 1, 2, 3',
        )
        .raw()
        .all(),
    weekSums: () =>
      sqlite.prepare('select week, kind, entries, pairs, trap_weeks from ledger_week_sums order by 1, 2').raw().all(),
  };
}

describe('the sums kept from the ledger', () => {
  it('move with every entry, whoever appends it', () => {
    const database = freshDatabase();
    const w = handWriter(database);
    w.supporter(1);
    w.supporter(2);
    w.order(7, 1);

    w.entry('sale', 7, 1, 4, 8);
    expect([w.orderFigures(7), w.totals()]).toEqual([
      [4, 8, 4, 0, 0],
      [4, 8, 1],
    ]);
    w.entry('refund', 7, 1, -1, -2);
    w.entry('dispute_lost', 7, 1, -3, -6);
    w.entry('dispute_won', 7, 1, 3, 6);
    w.entry('adjustment', 7, 1, 1, 2);
    w.entry('sale', null, 2, 2, 2, { occurredAt: Date.UTC(2025, 0, 31), period: '2025-02' }); // no order; booked late
    w.entry('refund', null, 2, -2, -2, { occurredAt: Date.UTC(2025, 1, 2), period: '2025-02' }); // supporter 2 back to nothing

    expect(w.orderFigures(7)).toEqual([4, 8, 5, 1, 0]);
    expect(w.totals()).toEqual([4, 8, 1]);
    expect(w.supporterTotals()).toEqual([
      [1, 4, 8],
      [2, 0, 0],
    ]);
    expect(w.periodSums()).toEqual([
      ['2025-01', 'adjustment', 0, 1, 1, 100],
      ['2025-01', 'dispute_lost', 0, 1, -3, -300],
      ['2025-01', 'dispute_won', 0, 1, 3, 300],
      ['2025-01', 'refund', 0, 1, -1, -100],
      ['2025-01', 'sale', 0, 1, 4, 400],
      ['2025-02', 'refund', 0, 1, -2, -200],
      ['2025-02', 'sale', 1, 1, 2, 200],
    ]);
    expect(isLedgerConsistent(auditLedger(database.db))).toBe(true);
  });

  it('finds a sum changed by hand, and a rebuild puts it right', () => {
    const database = freshDatabase();
    const w = handWriter(database);
    w.supporter(1);
    w.order(7, 1);
    w.entry('sale', 7, 1, 4, 8);
    database.sqlite.prepare('update orders set refunded_pairs = 2 where id = 7').run();
    database.sqlite.prepare('update supporter_totals set pairs = 9').run();
    database.sqlite.prepare("update ledger_period_sums set entries = 3 where kind = 'sale'").run();

    expect(findOrderFigureDrift(database.db)).toEqual([7]);
    expect(findSupporterTotalDrift(database.db)).toEqual([1]);
    expect(findPeriodSumDrift(database.db)).toEqual(['2025-01 GBP sale']);

    rebuildRunningSums(database.db);
    expect(isLedgerConsistent(auditLedger(database.db))).toBe(true);
    expect(w.orderFigures(7)).toEqual([4, 8, 4, 0, 0]);
  });

  it('are rebuilt from the entries when a database from before this release first opens, and only then', () => {
    const database = databaseBefore('0013_');
    const w = handWriter(database);
    w.supporter(1);
    w.order(1, 1);
    w.order(2, 1);
    w.order(3, 1); // no entries at all
    w.entry('sale', 1, 1, 6, 6);
    w.entry('refund', 1, 1, -2, -2);
    w.entry('sale', 2, 1, 4, 8);
    // The old release moved these in TypeScript; a hand-written entry moved none of them.
    expect(w.totals()).toBeUndefined();

    expect(migrateDatabase(database.db)).toEqual({ isRunningSumsRebuilt: true });

    expect(w.totals()).toEqual([8, 12, 1]);
    expect([w.orderFigures(1), w.orderFigures(2), w.orderFigures(3)]).toEqual([
      [4, 4, 6, 2, 0],
      [4, 8, 4, 0, 0],
      [0, 0, 0, 0, 0],
    ]);
    expect(isLedgerConsistent(auditLedger(database.db))).toBe(true);
    const triggers = database.sqlite
      .prepare("select name from sqlite_master where type = 'trigger' and tbl_name = 'ledger_entries' order by 1")
      .pluck()
      .all();
    expect(triggers).not.toContain('order_figures_add');
    expect(triggers).not.toContain('ledger_period_sums_add');
    expect(migrateDatabase(database.db)).toEqual({ isRunningSumsRebuilt: false });
  });

  it('are rebuilt when a trigger in the database is not the one the code declares', () => {
    const database = freshDatabase();
    const w = handWriter(database);
    w.supporter(1);
    w.order(1, 1);
    w.entry('sale', 1, 1, 2, 2);
    database.sqlite.exec('drop trigger running_sums_order');
    w.entry('sale', 1, 1, 3, 3); // missed by the order's figures

    expect(findOrderFigureDrift(database.db)).toEqual([1]);
    expect(migrateDatabase(database.db)).toEqual({ isRunningSumsRebuilt: true });
    expect(findOrderFigureDrift(database.db)).toEqual([]);
    expect(w.orderFigures(1)).toEqual([5, 5, 5, 0, 0]);
  });

  it('keep pairs and trap-weeks per ISO week (from Monday 00:00 UTC) of when each entry occurred', () => {
    const database = freshDatabase();
    const w = handWriter(database);
    w.supporter(1);
    w.order(7, 1);
    const sunday = Date.UTC(2025, 2, 9, 23, 59, 59, 999); // the last moment of the week of Monday 3 March
    const monday = Date.UTC(2025, 2, 10); // the first moment of the next
    w.entry('sale', 7, 1, 4, 8, { occurredAt: sunday, period: '2025-03' });
    w.entry('sale', 7, 1, 2, 2, { occurredAt: monday, period: '2025-03' });
    w.entry('refund', 7, 1, -1, -2, { occurredAt: monday + 3 * 86_400_000, period: '2025-03' });
    // Lost in the week of Monday 31 March, booked in April (a late entry): the week is when it occurred.
    w.entry('dispute_lost', 7, 1, -3, -6, { occurredAt: Date.UTC(2025, 3, 1), period: '2025-05' });
    w.entry('sale', 7, 1, 1, 1, { occurredAt: Date.UTC(2024, 11, 31), period: '2024-12' }); // a Tuesday; its week began in 2024

    expect(w.weekSums()).toEqual([
      ['2024-12-30', 'sale', 1, 1, 1],
      ['2025-03-03', 'sale', 1, 4, 8],
      ['2025-03-10', 'refund', 1, -1, -2],
      ['2025-03-10', 'sale', 1, 2, 2],
      ['2025-03-31', 'dispute_lost', 1, -3, -6],
    ]);
    expect(findWeekSumDrift(database.db)).toEqual([]);
    database.sqlite.prepare("update ledger_week_sums set pairs = 5 where week = '2025-03-10' and kind = 'sale'").run();
    expect(findWeekSumDrift(database.db)).toEqual(['2025-03-10 sale']);
    expect(isLedgerConsistent(auditLedger(database.db))).toBe(false);
    rebuildRunningSums(database.db);
    expect(findWeekSumDrift(database.db)).toEqual([]);
    expect(w.weekSums()).toContainEqual(['2025-03-10', 'sale', 1, 2, 2]);
  });

  it('fill the week sums from the entries when a database from before them first opens', () => {
    const database = databaseBefore('0020_');
    const w = handWriter(database);
    w.supporter(1);
    w.order(1, 1);
    w.entry('sale', 1, 1, 6, 6, { occurredAt: Date.UTC(2025, 0, 15) });
    w.entry('refund', 1, 1, -2, -2, { occurredAt: Date.UTC(2025, 0, 20) });

    expect(migrateDatabase(database.db)).toEqual({ isRunningSumsRebuilt: true });

    expect(w.weekSums()).toEqual([
      ['2025-01-13', 'sale', 1, 6, 6],
      ['2025-01-20', 'refund', 1, -2, -2],
    ]);
    expect(isLedgerConsistent(auditLedger(database.db))).toBe(true);
  });
});
