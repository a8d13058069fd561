import { getTableName, sql, type AnyColumn, type SQL } from 'drizzle-orm';
import { SQLiteSyncDialect } from 'drizzle-orm/sqlite-core';
import { transaction, type Db } from './client.js';
import { ledgerEntries, ledgerPeriodSums, ledgerTotals, orders, supporterTotals } from './schema/index.js';

/**
 * Every sum kept from the ledger, in one place: what each one adds up, the trigger that moves it with
 * every appended entry (whoever appends: the app, a command, a hand-written statement), the same sum
 * taken afresh from the entries, and the checks that the two agree. The entries are the record; the
 * kept sums exist so that pages read one row instead of summing millions.
 *
 * The triggers are written here, not in a migration: when the database opens, each is compared with
 * what SQLite holds, and if any differs (a new database, or a definition changed by an upgrade) they
 * are all replaced and every kept sum is rebuilt from the entries, in one transaction.
 *
 * - `ledger_totals` (one row, scope `all`): net pairs and trap-weeks, and how many supporters have
 *   net pairs above zero;
 * - `supporter_totals`: each supporter's net pairs and trap-weeks;
 * - each order's figures (`orders.pairs`, `trap_weeks`, `sold_pairs`, `refunded_pairs`,
 *   `reversed_pairs`), which a shopper's page reads from an index instead of the ledger;
 * - `ledger_period_sums`: per accounting month, currency, kind and lateness, for month-end.
 */

/** A ledger column as the entry being appended (`NEW."pairs"`) or as a row of the table (`"pairs"`). */
type Entry = (column: AnyColumn) => SQL;
const appended: Entry = (column) => sql`NEW.${sql.identifier(column.name)}`;
const stored: Entry = (column) => sql`${column}`;
/** A column by its bare name, as a SET clause or a trigger's NEW needs it. */
const name = (column: AnyColumn) => sql.identifier(column.name);
const kindIn = (e: Entry, kinds: string[]) => sql`${e(ledgerEntries.kind)} in (${sql.join(kinds.map((kind) => sql`${kind}`), sql`, `)})`;
const pairsIf = (e: Entry, kinds: string[]) => sql`case when ${kindIn(e, kinds)} then ${e(ledgerEntries.pairs)} else 0 end`;

/** What one entry adds to its order's figures: refunded and reversed pairs are counted positive. */
const ORDER_FIGURES: [AnyColumn, (e: Entry) => SQL][] = [
  [orders.pairs, (e) => e(ledgerEntries.pairs)],
  [orders.trapWeeks, (e) => e(ledgerEntries.trapWeeks)],
  [orders.soldPairs, (e) => pairsIf(e, ['sale', 'adjustment'])],
  [orders.refundedPairs, (e) => sql`-${pairsIf(e, ['refund'])}`],
  [orders.reversedPairs, (e) => sql`-${pairsIf(e, ['dispute_lost', 'dispute_won'])}`],
];

/** The one row of public totals. */
const ALL = 'all';

interface Trigger {
  name: string;
  /** When it fires, beyond "after an entry is appended". */
  when?: SQL;
  body: SQL[];
}

const TRIGGERS: Trigger[] = [
  {
    name: 'running_sums_totals',
    when: sql`NEW.${name(ledgerEntries.pairs)} <> 0 or NEW.${name(ledgerEntries.trapWeeks)} <> 0`,
    body: [
      sql`update ${ledgerTotals} set ${name(ledgerTotals.pairs)} = ${name(ledgerTotals.pairs)} + ${appended(ledgerEntries.pairs)},
        ${name(ledgerTotals.trapWeeks)} = ${name(ledgerTotals.trapWeeks)} + ${appended(ledgerEntries.trapWeeks)}
        where ${name(ledgerTotals.scope)} = ${ALL}`,
    ],
  },
  {
    name: 'running_sums_supporter',
    when: sql`NEW.${name(ledgerEntries.supporterId)} is not null and (NEW.${name(ledgerEntries.pairs)} <> 0 or NEW.${name(ledgerEntries.trapWeeks)} <> 0)`,
    body: [
      sql`insert into ${supporterTotals} (${name(supporterTotals.supporterId)}, ${name(supporterTotals.pairs)}, ${name(supporterTotals.trapWeeks)})
        values (${appended(ledgerEntries.supporterId)}, ${appended(ledgerEntries.pairs)}, ${appended(ledgerEntries.trapWeeks)})
        on conflict (${name(supporterTotals.supporterId)}) do update set
          ${name(supporterTotals.pairs)} = ${name(supporterTotals.pairs)} + excluded.${name(supporterTotals.pairs)},
          ${name(supporterTotals.trapWeeks)} = ${name(supporterTotals.trapWeeks)} + excluded.${name(supporterTotals.trapWeeks)}`,
      // A supporter counts while their net pairs are above zero: the entry may have just crossed it.
      sql`update ${ledgerTotals} set ${name(ledgerTotals.supporters)} = ${name(ledgerTotals.supporters)}
        + ((select ${name(supporterTotals.pairs)} from ${supporterTotals} where ${name(supporterTotals.supporterId)} = ${appended(ledgerEntries.supporterId)}) > 0)
        - ((select ${name(supporterTotals.pairs)} from ${supporterTotals} where ${name(supporterTotals.supporterId)} = ${appended(ledgerEntries.supporterId)}) - ${appended(ledgerEntries.pairs)} > 0)
        where ${name(ledgerTotals.scope)} = ${ALL}`,
    ],
  },
  {
    name: 'running_sums_order',
    when: sql`NEW.${name(ledgerEntries.orderId)} is not null`,
    body: [
      sql`update ${orders} set ${sql.join(
        ORDER_FIGURES.map(([column, add]) => sql`${name(column)} = ${name(column)} + ${add(appended)}`),
        sql`, `,
      )} where ${name(orders.id)} = ${appended(ledgerEntries.orderId)}`,
    ],
  },
  {
    name: 'running_sums_period',
    body: [
      sql`insert into ${ledgerPeriodSums} (${sql.join(periodSumColumns().map(name), sql`, `)})
        values (${appended(ledgerEntries.period)}, ${appended(ledgerEntries.currency)}, ${appended(ledgerEntries.kind)}, ${appended(ledgerEntries.isLate)},
          1, ${appended(ledgerEntries.pairs)}, ${appended(ledgerEntries.trapWeeks)}, ${appended(ledgerEntries.donationMinor)})
        on conflict (${name(ledgerPeriodSums.period)}, ${name(ledgerPeriodSums.currency)}, ${name(ledgerPeriodSums.kind)}, ${name(ledgerPeriodSums.isLate)}) do update set
          ${sql.join(
            [ledgerPeriodSums.entries, ledgerPeriodSums.pairs, ledgerPeriodSums.trapWeeks, ledgerPeriodSums.donationMinor].map(
              (column) => sql`${name(column)} = ${name(column)} + excluded.${name(column)}`,
            ),
            sql`, `,
          )}`,
    ],
  },
];

/** Triggers that kept sums before this module did: dropped when the sums are installed. */
const RETIRED_TRIGGERS = ['order_figures_add', 'ledger_period_sums_add'];

function periodSumColumns(): AnyColumn[] {
  const c = ledgerPeriodSums;
  return [c.period, c.currency, c.kind, c.isLate, c.entries, c.pairs, c.trapWeeks, c.donationMinor];
}

const dialect = new SQLiteSyncDialect();

/** Literal SQL text (DDL takes no bound values): what SQLite keeps in sqlite_master. */
function render(query: SQL): string {
  return dialect.sqlToQuery(query.inlineParams()).sql;
}

function createStatement(trigger: Trigger): string {
  const body = trigger.body.map((statement) => `  ${render(statement)};\n`).join('');
  const when = trigger.when ? ` WHEN ${render(trigger.when)}` : '';
  return `CREATE TRIGGER ${render(sql`${sql.identifier(trigger.name)}`)} AFTER INSERT ON ${render(sql`${ledgerEntries}`)}${when}\nBEGIN\n${body}END`;
}

/**
 * Makes sure the triggers in SQLite are the ones written here; if not, replaces them and rebuilds
 * every kept sum from the entries, in one transaction (seconds over a million orders, once after an
 * upgrade). Returns whether it rebuilt. Safe to run on every start, from several processes at once.
 */
export function ensureRunningSums(db: Db): { isRebuilt: boolean } {
  const wanted = new Map(TRIGGERS.map((trigger) => [trigger.name, createStatement(trigger)]));
  const isCurrent = () => {
    const held = db.all<{ name: string; sql: string }>(sql`select name, sql from sqlite_master where type = 'trigger' and tbl_name = ${getTableName(ledgerEntries)}`);
    const heldByName = new Map(held.map((row) => [row.name, row.sql]));
    return [...wanted].every(([trigger, text]) => heldByName.get(trigger) === text) && RETIRED_TRIGGERS.every((retired) => !heldByName.has(retired));
  };
  if (isCurrent()) return { isRebuilt: false };
  return transaction(
    db,
    (tx) => {
      if (isCurrent()) return { isRebuilt: false }; // another process got there first
      for (const trigger of [...RETIRED_TRIGGERS, ...wanted.keys()]) tx.run(sql`drop trigger if exists ${sql.identifier(trigger)}`);
      for (const text of wanted.values()) tx.run(sql.raw(text));
      rebuildRunningSums(tx);
      return { isRebuilt: true };
    },
    'immediate',
  );
}

/** Every kept sum, recomputed from the entries. Runs in the caller's transaction. */
export function rebuildRunningSums(db: Db): void {
  db.delete(supporterTotals).run();
  db.run(sql`insert into ${supporterTotals} (${name(supporterTotals.supporterId)}, ${name(supporterTotals.pairs)}, ${name(supporterTotals.trapWeeks)}) ${freshSupporterTotals()}`);
  const totals = freshTotals(db);
  db.insert(ledgerTotals)
    .values({ scope: ALL, ...totals })
    .onConflictDoUpdate({ target: ledgerTotals.scope, set: totals })
    .run();
  db.delete(ledgerPeriodSums).run();
  db.run(sql`insert into ${ledgerPeriodSums} (${sql.join(periodSumColumns().map(name), sql`, `)}) ${freshPeriodSums()}`);
  // Only the orders whose figures differ are written: most are right already.
  const figures = ORDER_FIGURES.map(([column]) => column);
  db.run(sql`update ${orders} set ${sql.join(
    figures.map((column) => sql`${name(column)} = coalesce(fresh.${name(column)}, 0)`),
    sql`, `,
  )} from (select ${name(orders.id)} as order_id, ${sql.join(
    figures.map((column) => sql`fresh_figures.${name(column)}`),
    sql`, `,
  )} from ${orders} left join (${freshOrderFigures()}) fresh_figures on fresh_figures.order_id = ${orders.id}) fresh
    where fresh.order_id = ${orders.id} and (${sql.join(
      figures.map((column) => sql`${orders}.${name(column)} is not coalesce(fresh.${name(column)}, 0)`),
      sql` or `,
    )})`);
}

/** `supporter_id`, net `pairs` and `trap_weeks`, for every supporter some entry credits. */
function freshSupporterTotals(): SQL {
  const e = stored;
  return sql`select ${e(ledgerEntries.supporterId)} as supporter_id, sum(${e(ledgerEntries.pairs)}) as pairs, sum(${e(ledgerEntries.trapWeeks)}) as trap_weeks
    from ${ledgerEntries} where ${e(ledgerEntries.supporterId)} is not null group by ${e(ledgerEntries.supporterId)}`;
}

function freshPeriodSums(): SQL {
  const e = stored;
  return sql`select ${e(ledgerEntries.period)}, ${e(ledgerEntries.currency)}, ${e(ledgerEntries.kind)}, ${e(ledgerEntries.isLate)},
      count(*), sum(${e(ledgerEntries.pairs)}), sum(${e(ledgerEntries.trapWeeks)}), sum(${e(ledgerEntries.donationMinor)})
    from ${ledgerEntries} group by 1, 2, 3, 4`;
}

/** Each order's figures summed from its entries, as `order_id` and one column per figure (named as in `orders`). */
function freshOrderFigures(): SQL {
  return sql`select ${stored(ledgerEntries.orderId)} as order_id, ${sql.join(
    ORDER_FIGURES.map(([column, add]) => sql`sum(${add(stored)}) as ${name(column)}`),
    sql`, `,
  )} from ${ledgerEntries} where ${stored(ledgerEntries.orderId)} is not null group by ${stored(ledgerEntries.orderId)}`;
}

export interface Totals {
  pairs: number;
  trapWeeks: number;
  supporters: number;
}

/** The public totals summed from the entries themselves. */
export function freshTotals(db: Db): Totals {
  const sums = db
    .select({ pairs: sql<number>`coalesce(sum(${ledgerEntries.pairs}), 0)`, trapWeeks: sql<number>`coalesce(sum(${ledgerEntries.trapWeeks}), 0)` })
    .from(ledgerEntries)
    .get();
  const supporters = db.get<{ n: number }>(sql`select count(*) as n from (${freshSupporterTotals()}) where pairs > 0`);
  return { pairs: sums?.pairs ?? 0, trapWeeks: sums?.trapWeeks ?? 0, supporters: supporters?.n ?? 0 };
}

/** Orders whose kept figures disagree with a fresh sum of their entries. */
export function findOrderFigureDrift(db: Db): number[] {
  const kept = (column: AnyColumn) => sql`${orders}.${name(column)}`;
  return db
    .all<{ orderId: number }>(
      sql`select ${orders.id} as orderId from ${orders} left join (${freshOrderFigures()}) fresh on fresh.order_id = ${orders.id}
        where ${sql.join(
          ORDER_FIGURES.map(([column]) => sql`${kept(column)} <> coalesce(fresh.${name(column)}, 0)`),
          sql` or `,
        )} order by 1`,
    )
    .map((row) => row.orderId);
}

/** Supporters whose kept sums disagree with a fresh sum of the entries crediting them. */
export function findSupporterTotalDrift(db: Db): number[] {
  // Two one-sided checks rather than a full outer join, which SQLite runs as a nested loop here.
  const t = supporterTotals;
  return db
    .all<{ supporterId: number }>(
      sql`select fresh.supporter_id as supporterId from (${freshSupporterTotals()}) as fresh
          left join ${t} on ${t.supporterId} = fresh.supporter_id
          where coalesce(${t.pairs}, 0) <> fresh.pairs or coalesce(${t.trapWeeks}, 0) <> fresh.trap_weeks
        union
        select ${t.supporterId} from ${t}
          where (${t.pairs} <> 0 or ${t.trapWeeks} <> 0)
            and not exists (select 1 from ${ledgerEntries} where ${ledgerEntries.supporterId} = ${t.supporterId})
        order by 1`,
    )
    .map((row) => row.supporterId);
}

/** Month sums (period, currency, kind, lateness) whose kept figures disagree with the entries, as "2025-03 GBP sale". */
export function findPeriodSumDrift(db: Db): string[] {
  const keptColumns = periodSumColumns().map((column) => sql`${ledgerPeriodSums}.${name(column)}`);
  const kept = sql`select ${sql.join(keptColumns, sql`, `)} from ${ledgerPeriodSums}`;
  return db
    .all<{ period: string; currency: string; kind: string }>(
      sql`select distinct ${name(ledgerPeriodSums.period)}, ${name(ledgerPeriodSums.currency)}, ${name(ledgerPeriodSums.kind)} from (
        select * from (${freshPeriodSums()} except ${kept}) union all select * from (${kept} except ${freshPeriodSums()})
      ) order by 1, 2, 3`,
    )
    .map((row) => `${row.period} ${row.currency} ${row.kind}`);
}
