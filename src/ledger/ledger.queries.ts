import { and, eq, sql } from 'drizzle-orm';
import type { DbOrTx } from '../db/client.js';
import { ledgerEntries, ledgerTotals, orders, supporterTotals } from '../db/schema.js';
import { placeholder, prepared } from '../db/prepared.js';
import { bookingPeriod, lastClosedPeriod } from '../reconciliation/accounting-period.js';

export type LedgerKind = (typeof ledgerEntries.$inferInsert)['kind'];
/** The accounting `period` is not the caller's choice: appending books it (see bookingPeriod). */
export type NewLedgerEntry = Omit<typeof ledgerEntries.$inferInsert, 'period'>;

export interface Totals {
  pairs: number;
  trapWeeks: number;
  supporters: number;
}

const ALL = 'all';

/**
 * Appends entries and moves the running totals in the same transaction. Nothing here updates or
 * deletes an entry: a correction is always a new entry.
 */
export function appendLedger(tx: DbOrTx, entries: NewLedgerEntry[]): void {
  if (entries.length === 0) return;
  const lastClosed = lastClosedPeriod(tx);
  const insert = prepared(tx, insertEntry);
  for (const entry of entries) {
    insert.run({
      kind: entry.kind,
      orderId: entry.orderId ?? null,
      supporterId: entry.supporterId ?? null,
      pairs: entry.pairs,
      trapWeeks: entry.trapWeeks,
      donationMinor: entry.donationMinor,
      currency: entry.currency,
      occurredAt: entry.occurredAt,
      recordedAt: entry.recordedAt,
      reason: entry.reason,
      eventId: entry.eventId ?? null,
      period: bookingPeriod(entry.occurredAt, lastClosed),
    });
  }
  prepared(tx, ensureTotalsRow).run();
  for (const entry of entries) {
    if (entry.pairs === 0 && entry.trapWeeks === 0) continue;
    prepared(tx, moveTotals).run({ pairs: entry.pairs, trapWeeks: entry.trapWeeks });
    if (entry.supporterId != null) moveSupporterTotals(tx, entry.supporterId, entry.pairs, entry.trapWeeks);
  }
}

export type OrderFigures = Pick<typeof orders.$inferSelect, 'pairs' | 'trapWeeks' | 'soldPairs' | 'refundedPairs' | 'reversedPairs'>;

/** Orders whose kept figures disagree with a fresh sum of their entries: the check that the trigger keeping them (migration 0008) is honest. */
export function findOrderFigureDrift(db: DbOrTx): { orderId: number; kept: OrderFigures; summed: OrderFigures }[] {
  const rows = db.all<{ orderId: number } & { [K in keyof OrderFigures as `kept_${K}` | `summed_${K}`]: number }>(sql`
    select o.id as orderId,
      o.pairs as kept_pairs, o.trap_weeks as kept_trapWeeks, o.sold_pairs as kept_soldPairs,
      o.refunded_pairs as kept_refundedPairs, o.reversed_pairs as kept_reversedPairs,
      coalesce(sum(l.pairs), 0) as summed_pairs, coalesce(sum(l.trap_weeks), 0) as summed_trapWeeks,
      coalesce(sum(case when l.kind in ('sale', 'adjustment') then l.pairs else 0 end), 0) as summed_soldPairs,
      coalesce(-sum(case when l.kind = 'refund' then l.pairs else 0 end), 0) as summed_refundedPairs,
      coalesce(-sum(case when l.kind in ('dispute_lost', 'dispute_won') then l.pairs else 0 end), 0) as summed_reversedPairs
    from orders o left join ledger_entries l on l.order_id = o.id
    group by o.id`);
  const names = ['pairs', 'trapWeeks', 'soldPairs', 'refundedPairs', 'reversedPairs'] as const;
  const pick = (row: (typeof rows)[number], prefix: 'kept_' | 'summed_') =>
    Object.fromEntries(names.map((name) => [name, row[`${prefix}${name}`]])) as unknown as OrderFigures;
  return rows
    .map((row) => ({ orderId: row.orderId, kept: pick(row, 'kept_'), summed: pick(row, 'summed_') }))
    .filter(({ kept, summed }) => names.some((name) => kept[name] !== summed[name]));
}

/** Supporters whose kept sums (supporter_totals) disagree with a fresh sum of the entries crediting them. */
export function findSupporterTotalDrift(db: DbOrTx): number[] {
  // Two one-sided checks rather than a full outer join, which SQLite runs as a nested loop here.
  return db
    .all<{ supporterId: number }>(sql`
      select l.supporter_id as supporterId
      from (select supporter_id, sum(pairs) as pairs, sum(trap_weeks) as trap_weeks from ledger_entries where supporter_id is not null group by supporter_id) l
      left join supporter_totals t on t.supporter_id = l.supporter_id
      where coalesce(t.pairs, 0) <> l.pairs or coalesce(t.trap_weeks, 0) <> l.trap_weeks
      union
      select t.supporter_id from supporter_totals t
      where (t.pairs <> 0 or t.trap_weeks <> 0) and not exists (select 1 from ledger_entries l where l.supporter_id = t.supporter_id)
      order by 1`)
    .map((row) => row.supporterId);
}

/** Orders with entries that, net, credit someone other than the order's supporter: the check that re-attribution (reconcile-order.ts) is done. */
export function findMisattributedOrders(db: DbOrTx): number[] {
  return db
    .all<{ orderId: number }>(sql`
      select distinct o.id as orderId
      from orders o join ledger_entries l on l.order_id = o.id
      where o.supporter_id is not null and l.supporter_id is not o.supporter_id
      group by o.id, l.supporter_id, l.occurred_at
      having sum(l.pairs) <> 0 or sum(l.trap_weeks) <> 0 or sum(l.donation_minor) <> 0
      order by o.id`)
    .map((row) => row.orderId);
}

const insertEntry = (db: DbOrTx) =>
  db
    .insert(ledgerEntries)
    .values({
      kind: placeholder('kind'),
      orderId: placeholder('orderId'),
      supporterId: placeholder('supporterId'),
      pairs: placeholder('pairs'),
      trapWeeks: placeholder('trapWeeks'),
      donationMinor: placeholder('donationMinor'),
      currency: placeholder('currency'),
      occurredAt: placeholder('occurredAt'),
      recordedAt: placeholder('recordedAt'),
      reason: placeholder('reason'),
      eventId: placeholder('eventId'),
      period: placeholder('period'),
    })
    .prepare();
const ensureTotalsRow = (db: DbOrTx) => db.insert(ledgerTotals).values({ scope: ALL }).onConflictDoNothing().prepare();
const moveTotals = (db: DbOrTx) =>
  db
    .update(ledgerTotals)
    .set({ pairs: sql`${ledgerTotals.pairs} + ${placeholder('pairs')}`, trapWeeks: sql`${ledgerTotals.trapWeeks} + ${placeholder('trapWeeks')}` })
    .where(eq(ledgerTotals.scope, ALL))
    .prepare();

/** Keeps a supporter's sums and the count of supporters with impact (net pairs above zero). */
function moveSupporterTotals(tx: DbOrTx, supporterId: number, pairs: number, trapWeeks: number): void {
  const before = prepared(tx, supporterPairs).get({ supporterId });
  const beforePairs = before?.pairs ?? 0;
  prepared(tx, addToSupporterTotals).run({ supporterId, pairs, trapWeeks });
  const afterPairs = beforePairs + pairs;
  const change = Number(afterPairs > 0) - Number(beforePairs > 0);
  if (change !== 0) prepared(tx, moveSupporterCount).run({ change });
}

const addToSupporterTotals = (db: DbOrTx) =>
  db
    .insert(supporterTotals)
    .values({ supporterId: placeholder('supporterId'), pairs: placeholder('pairs'), trapWeeks: placeholder('trapWeeks') })
    .onConflictDoUpdate({
      target: supporterTotals.supporterId,
      set: { pairs: sql`${supporterTotals.pairs} + excluded.pairs`, trapWeeks: sql`${supporterTotals.trapWeeks} + excluded.trap_weeks` },
    })
    .prepare();
const moveSupporterCount = (db: DbOrTx) =>
  db
    .update(ledgerTotals)
    .set({ supporters: sql`${ledgerTotals.supporters} + ${placeholder('change')}` })
    .where(eq(ledgerTotals.scope, ALL))
    .prepare();

/** Public totals, net of refunds and lost disputes. */
export function readTotals(db: DbOrTx): Totals {
  const row = db.select().from(ledgerTotals).where(eq(ledgerTotals.scope, ALL)).get();
  return { pairs: row?.pairs ?? 0, trapWeeks: row?.trapWeeks ?? 0, supporters: row?.supporters ?? 0 };
}

/** The same totals summed from the entries themselves: the check that the running sums are honest. */
export function sumLedger(db: DbOrTx): Totals {
  const sums = db
    .select({ pairs: sql<number>`coalesce(sum(${ledgerEntries.pairs}), 0)`, trapWeeks: sql<number>`coalesce(sum(${ledgerEntries.trapWeeks}), 0)` })
    .from(ledgerEntries)
    .get();
  const supporters = db.get<{ n: number }>(
    sql`select count(*) as n from (select supporter_id from ledger_entries where supporter_id is not null group by supporter_id having sum(pairs) > 0)`,
  );
  return { pairs: sums?.pairs ?? 0, trapWeeks: sums?.trapWeeks ?? 0, supporters: supporters?.n ?? 0 };
}

export interface OrderLedgerSums {
  kind: LedgerKind;
  /** Whom these entries credit: an order's entries are summed per kind and per supporter. */
  supporterId: number | null;
  pairs: number;
  trapWeeks: number;
  donationMinor: number;
  entries: number;
}

/** An order's entries summed per kind and supporter. */
export function sumOrderLedger(tx: DbOrTx, orderId: number): OrderLedgerSums[] {
  return prepared(tx, orderSums).all({ orderId });
}

export interface MisattributedSums extends Omit<OrderLedgerSums, 'entries' | 'kind'> {
  currency: string;
  occurredAt: number;
}

/**
 * An order's entries that credit someone other than `supporterId` (or no one), summed per
 * supporter, currency and time, leaving out groups that already net to nothing.
 */
export function findMisattributedEntries(tx: DbOrTx, orderId: number, supporterId: number): MisattributedSums[] {
  return prepared(tx, misattributedSums).all({ orderId, supporterId });
}

const supporterPairs = (db: DbOrTx) =>
  db.select({ pairs: supporterTotals.pairs }).from(supporterTotals).where(eq(supporterTotals.supporterId, sql.placeholder('supporterId'))).prepare();
const orderSums = (db: DbOrTx) =>
  db
    .select({
      kind: ledgerEntries.kind,
      supporterId: ledgerEntries.supporterId,
      pairs: sql<number>`sum(${ledgerEntries.pairs})`,
      trapWeeks: sql<number>`sum(${ledgerEntries.trapWeeks})`,
      donationMinor: sql<number>`sum(${ledgerEntries.donationMinor})`,
      entries: sql<number>`count(*)`,
    })
    .from(ledgerEntries)
    .where(eq(ledgerEntries.orderId, sql.placeholder('orderId')))
    .groupBy(ledgerEntries.kind, ledgerEntries.supporterId)
    .prepare();
const misattributedSums = (db: DbOrTx) =>
  db
    .select({
      supporterId: ledgerEntries.supporterId,
      currency: ledgerEntries.currency,
      occurredAt: ledgerEntries.occurredAt,
      pairs: sql<number>`sum(${ledgerEntries.pairs})`,
      trapWeeks: sql<number>`sum(${ledgerEntries.trapWeeks})`,
      donationMinor: sql<number>`sum(${ledgerEntries.donationMinor})`,
    })
    .from(ledgerEntries)
    .where(and(eq(ledgerEntries.orderId, sql.placeholder('orderId')), sql`${ledgerEntries.supporterId} is not ${sql.placeholder('supporterId')}`))
    .groupBy(ledgerEntries.supporterId, ledgerEntries.currency, ledgerEntries.occurredAt)
    .having(sql`sum(${ledgerEntries.pairs}) <> 0 or sum(${ledgerEntries.trapWeeks}) <> 0 or sum(${ledgerEntries.donationMinor}) <> 0`)
    .orderBy(ledgerEntries.occurredAt, ledgerEntries.supporterId)
    .prepare();
