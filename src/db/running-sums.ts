import { getTableName, sql, type AnyColumn, type SQL } from 'drizzle-orm';
import { SQLiteSyncDialect, type SQLiteTable } from 'drizzle-orm/sqlite-core';
import { transaction, type Db } from './client.js';
import {
  ledgerEntries,
  ledgerPeriodSums,
  ledgerTotals,
  ledgerWeekSums,
  orders,
  supporterTotals,
  trapWeekAllocations,
  trapWeekChanges,
} from './schema/index.js';

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
 * - `ledger_period_sums`: per accounting month, currency, kind and lateness, for month-end;
 * - `ledger_week_sums`: per week and kind, for the dashboard's year of weeks. The week is the ISO
 *   week (Monday 00:00 UTC) of `occurred_at`, the timestamp an entry's month is taken from, but never
 *   moved by a month's closing: a late refund counts in the week it happened;
 * - `trap_week_changes`: not a sum, but kept the same way: the orders whose net trap-weeks moved,
 *   for the camera-week allocator (src/camera-weeks/) to bring their trap-weeks up to date.
 */

/** A ledger column as the entry being appended (`NEW."pairs"`) or as a row of the table (`"pairs"`). */
type Entry = (column: AnyColumn) => SQL;
const appended: Entry = (column) => sql`NEW.${sql.identifier(column.name)}`;
const stored: Entry = (column) => sql`${column}`;
const E = ledgerEntries;

/** A column by its bare name, as a SET clause or a trigger's NEW needs it. */
const name = (column: AnyColumn) => sql.identifier(column.name);
const names = (columns: AnyColumn[]) => sql.join(columns.map(name), sql`, `);
/** `"a" = "a" + <value>, …` */
const addTo = (pairs: [AnyColumn, SQL][]) =>
  sql.join(
    pairs.map(([column, value]) => sql`${name(column)} = ${name(column)} + ${value}`),
    sql`, `,
  );
/** Inserts a row of sums, or adds it to the row already there under the same key. */
const upsertSums = (table: SQLiteTable, keys: AnyColumn[], sums: AnyColumn[], values: SQL[]) =>
  sql`insert into ${table} (${names([...keys, ...sums])}) values (${sql.join(values, sql`, `)})
    on conflict (${names(keys)}) do update set ${addTo(sums.map((column) => [column, sql`excluded.${name(column)}`]))}`;

const kindIn = (e: Entry, kinds: string[]) =>
  sql`${e(E.kind)} in (${sql.join(
    kinds.map((kind) => sql`${kind}`),
    sql`, `,
  )})`;
const pairsIf = (e: Entry, kinds: string[]) => sql`case when ${kindIn(e, kinds)} then ${e(E.pairs)} else 0 end`;

/** What one entry adds to its order's figures: refunded and reversed pairs are counted positive. */
const ORDER_FIGURES: [AnyColumn, (e: Entry) => SQL][] = [
  [orders.pairs, (e) => e(E.pairs)],
  [orders.trapWeeks, (e) => e(E.trapWeeks)],
  [orders.soldPairs, (e) => pairsIf(e, ['sale', 'adjustment'])],
  [orders.refundedPairs, (e) => sql`-${pairsIf(e, ['refund'])}`],
  [orders.reversedPairs, (e) => sql`-${pairsIf(e, ['dispute_lost', 'dispute_won'])}`],
];

/** The one row of public totals. */
const ALL = 'all';
const P = ledgerPeriodSums;
const PERIOD_KEYS = [P.period, P.currency, P.kind, P.isLate];
const PERIOD_SUMS = [P.entries, P.pairs, P.trapWeeks, P.donationMinor];
const W = ledgerWeekSums;
const WEEK_KEYS = [W.week, W.kind];
const WEEK_SUMS = [W.entries, W.pairs, W.trapWeeks];
/** The Monday (YYYY-MM-DD, UTC) starting the week an entry occurred in: back six days, then on to a Monday. */
const weekOf = (e: Entry) => sql`date(${e(E.occurredAt)} / 1000, 'unixepoch', '-6 days', 'weekday 1')`;
const S = supporterTotals;
/** A supporter's net pairs, as kept: read in the trigger after the entry moved them. */
const keptPairsOfAppended = sql`(select ${name(S.pairs)} from ${S}
  where ${name(S.supporterId)} = ${appended(E.supporterId)})`;

interface Trigger {
  name: string;
  /** When it fires, beyond "after an entry is appended". */
  when?: SQL;
  body: SQL[];
}

const movesAnything = sql`(${appended(E.pairs)} <> 0 or ${appended(E.trapWeeks)} <> 0)`;

const TRIGGERS: Trigger[] = [
  {
    name: 'running_sums_totals',
    when: movesAnything,
    body: [
      sql`update ${ledgerTotals} set ${addTo([
        [ledgerTotals.pairs, appended(E.pairs)],
        [ledgerTotals.trapWeeks, appended(E.trapWeeks)],
      ])} where ${name(ledgerTotals.scope)} = ${ALL}`,
    ],
  },
  {
    name: 'running_sums_supporter',
    when: sql`${appended(E.supporterId)} is not null and ${movesAnything}`,
    body: [
      upsertSums(
        S,
        [S.supporterId],
        [S.pairs, S.trapWeeks],
        [appended(E.supporterId), appended(E.pairs), appended(E.trapWeeks)],
      ),
      // A supporter counts while their net pairs are above zero: the entry may have just crossed it.
      sql`update ${ledgerTotals} set ${addTo([
        [
          ledgerTotals.supporters,
          sql`(${keptPairsOfAppended} > 0) - (${keptPairsOfAppended} - ${appended(E.pairs)} > 0)`,
        ],
      ])} where ${name(ledgerTotals.scope)} = ${ALL}`,
    ],
  },
  {
    name: 'running_sums_order',
    when: sql`${appended(E.orderId)} is not null`,
    body: [
      sql`update ${orders} set ${addTo(ORDER_FIGURES.map(([column, add]) => [column, add(appended)]))}
        where ${name(orders.id)} = ${appended(E.orderId)}`,
    ],
  },
  {
    name: 'running_sums_week_changes',
    when: sql`${appended(E.orderId)} is not null and ${appended(E.trapWeeks)} <> 0`,
    body: [
      sql`insert or ignore into ${trapWeekChanges} (${name(trapWeekChanges.orderId)}) values (${appended(E.orderId)})`,
    ],
  },
  {
    name: 'running_sums_period',
    body: [
      upsertSums(P, PERIOD_KEYS, PERIOD_SUMS, [
        ...[E.period, E.currency, E.kind, E.isLate].map(appended),
        sql`1`,
        ...[E.pairs, E.trapWeeks, E.donationMinor].map(appended),
      ]),
    ],
  },
  {
    name: 'running_sums_week',
    body: [
      upsertSums(W, WEEK_KEYS, WEEK_SUMS, [
        weekOf(appended),
        appended(E.kind),
        sql`1`,
        ...[E.pairs, E.trapWeeks].map(appended),
      ]),
    ],
  },
];

/** Triggers that kept sums before this module did: dropped when the sums are installed. */
const RETIRED_TRIGGERS = ['order_figures_add', 'ledger_period_sums_add'];

const dialect = new SQLiteSyncDialect();

/** Literal SQL text (DDL takes no bound values): what SQLite keeps in sqlite_master. */
function render(query: SQL): string {
  return dialect.sqlToQuery(query.inlineParams()).sql;
}

function createStatement(trigger: Trigger): string {
  const body = trigger.body.map((statement) => `  ${render(statement)};\n`).join('');
  const when = trigger.when ? ` WHEN ${render(trigger.when)}` : '';
  // Upper-case: SQLite keeps a CREATE statement's text as given, but for its leading keywords.
  const head = render(sql`CREATE TRIGGER ${sql.identifier(trigger.name)} AFTER INSERT ON ${ledgerEntries}`);
  return `${head}${when}\nbegin\n${body}end`;
}

/**
 * Makes sure the triggers in SQLite are the ones written here; if not, replaces them and rebuilds
 * every kept sum from the entries, in one transaction (seconds over a million orders, once after an
 * upgrade). Returns whether it rebuilt. Safe to run on every start, from several processes at once.
 */
export function ensureRunningSums(db: Db): { isRebuilt: boolean } {
  const wanted = new Map(TRIGGERS.map((trigger) => [trigger.name, createStatement(trigger)]));
  const isCurrent = () => {
    const held = db.all<{ name: string; sql: string }>(
      sql`select name, sql from sqlite_master where type = 'trigger' and tbl_name = ${getTableName(ledgerEntries)}`,
    );
    const heldByName = new Map(held.map((row) => [row.name, row.sql]));
    return (
      [...wanted].every(([trigger, text]) => heldByName.get(trigger) === text) &&
      RETIRED_TRIGGERS.every((retired) => !heldByName.has(retired))
    );
  };
  if (isCurrent()) return { isRebuilt: false };
  return transaction(
    db,
    (tx) => {
      if (isCurrent()) return { isRebuilt: false }; // another process got there first
      for (const trigger of [...RETIRED_TRIGGERS, ...wanted.keys()])
        tx.run(sql`drop trigger if exists ${sql.identifier(trigger)}`);
      for (const text of wanted.values()) tx.run(sql.raw(text));
      rebuildRunningSums(tx);
      return { isRebuilt: true };
    },
    'immediate',
  );
}

/** Every kept sum, recomputed from the entries. Runs in the caller's transaction. */
export function rebuildRunningSums(db: Db): void {
  db.delete(S).run();
  db.run(sql`insert into ${S} (${names([S.supporterId, S.pairs, S.trapWeeks])}) ${freshSupporterTotals()}`);
  const totals = freshTotals(db);
  db.insert(ledgerTotals)
    .values({ scope: ALL, ...totals })
    .onConflictDoUpdate({ target: ledgerTotals.scope, set: totals })
    .run();
  db.delete(P).run();
  db.run(sql`insert into ${P} (${names([...PERIOD_KEYS, ...PERIOD_SUMS])}) ${freshPeriodSums()}`);
  db.delete(W).run();
  db.run(sql`insert into ${W} (${names([...WEEK_KEYS, ...WEEK_SUMS])}) ${freshWeekSums()}`);
  // Only the orders whose figures differ are written: most are right already.
  const figures = ORDER_FIGURES.map(([column]) => column);
  const fresh = (column: AnyColumn) => sql`coalesce(fresh.${name(column)}, 0)`;
  db.run(sql`update ${orders} set ${sql.join(
    figures.map((column) => sql`${name(column)} = ${fresh(column)}`),
    sql`, `,
  )}
    from (select ${orders.id} as order_id, ${sql.join(
      figures.map((column) => sql`summed.${name(column)}`),
      sql`, `,
    )} from ${orders} left join (${freshOrderFigures()}) summed on summed.order_id = ${orders.id}) fresh
    where fresh.order_id = ${orders.id} and (${sql.join(
      figures.map((column) => sql`${orders}.${name(column)} is not ${fresh(column)}`),
      sql` or `,
    )})`);
  // Every order whose trap-weeks differ from its allocations goes on the allocator's list.
  db.run(sql`insert or ignore into ${trapWeekChanges} (${name(trapWeekChanges.orderId)})
    select ${orders.id} from ${orders}
    where ${orders.trapWeeks} <> (select count(*) from ${trapWeekAllocations} where ${trapWeekAllocations.orderId} = ${orders.id})`);
}

/** `supporter_id`, net `pairs` and `trap_weeks`, for every supporter some entry credits. */
function freshSupporterTotals(): SQL {
  return sql`select ${E.supporterId} as supporter_id, sum(${E.pairs}) as pairs, sum(${E.trapWeeks}) as trap_weeks
    from ${E} where ${E.supporterId} is not null group by ${E.supporterId}`;
}

function freshPeriodSums(): SQL {
  return sql`select ${E.period}, ${E.currency}, ${E.kind}, ${E.isLate},
      count(*), sum(${E.pairs}), sum(${E.trapWeeks}), sum(${E.donationMinor})
    from ${E} group by 1, 2, 3, 4`;
}

function freshWeekSums(): SQL {
  return sql`select ${weekOf(stored)} as week, ${E.kind} as kind, count(*), sum(${E.pairs}), sum(${E.trapWeeks})
    from ${E} group by 1, 2`;
}

/** Each order's figures summed from its entries: `order_id`, and one column per figure, named as in `orders`. */
function freshOrderFigures(): SQL {
  const sums = ORDER_FIGURES.map(([column, add]) => sql`sum(${add(stored)}) as ${name(column)}`);
  return sql`select ${E.orderId} as order_id, ${sql.join(sums, sql`, `)}
    from ${E} where ${E.orderId} is not null group by ${E.orderId}`;
}

export interface Totals {
  pairs: number;
  trapWeeks: number;
  supporters: number;
}

/** The public totals summed from the entries themselves. */
export function freshTotals(db: Db): Totals {
  const sums = db
    .select({
      pairs: sql<number>`coalesce(sum(${ledgerEntries.pairs}), 0)`,
      trapWeeks: sql<number>`coalesce(sum(${ledgerEntries.trapWeeks}), 0)`,
    })
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
      sql`select ${orders.id} as orderId from ${orders}
        left join (${freshOrderFigures()}) fresh on fresh.order_id = ${orders.id}
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

/**
 * Month sums (period, currency, kind, lateness) whose kept figures disagree with the entries, as
 * "2025-03 GBP sale".
 */
export function findPeriodSumDrift(db: Db): string[] {
  const keptColumns = [...PERIOD_KEYS, ...PERIOD_SUMS].map((column) => sql`${ledgerPeriodSums}.${name(column)}`);
  const kept = sql`select ${sql.join(keptColumns, sql`, `)} from ${ledgerPeriodSums}`;
  return db
    .all<{ period: string; currency: string; kind: string }>(
      sql`select distinct ${names([P.period, P.currency, P.kind])} from (
        select * from (${freshPeriodSums()} except ${kept})
        union all select * from (${kept} except ${freshPeriodSums()})
      ) order by 1, 2, 3`,
    )
    .map((row) => `${row.period} ${row.currency} ${row.kind}`);
}

/** Week sums (week, kind) whose kept figures disagree with the entries, as "2025-03-03 sale". */
export function findWeekSumDrift(db: Db): string[] {
  const kept = sql`select ${sql.join(
    [...WEEK_KEYS, ...WEEK_SUMS].map((column) => sql`${W}.${name(column)}`),
    sql`, `,
  )} from ${W}`;
  return db
    .all<{ week: string; kind: string }>(
      sql`select distinct ${names(WEEK_KEYS)} from (
        select * from (${freshWeekSums()} except ${kept})
        union all select * from (${kept} except ${freshWeekSums()})
      ) order by 1, 2`,
    )
    .map((row) => `${row.week} ${row.kind}`);
}
