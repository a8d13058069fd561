import { and, eq, isNotNull, sql } from 'drizzle-orm';
import { placeholdersFor, prepared, type Db } from '../db/client.js';
import type { Totals } from '../db/running-sums.js';
import { ledgerEntries, ledgerTotals, orders } from '../db/schema/index.js';
import { bookingPeriod, lastClosedPeriod } from '../reconciliation/accounting-period.js';

export type LedgerKind = (typeof ledgerEntries.$inferInsert)['kind'];
/** The accounting `period` is not the caller's choice: appending books it (see bookingPeriod). */
export type NewLedgerEntry = Omit<typeof ledgerEntries.$inferInsert, 'period'>;

export type { Totals };

export type LedgerEntry = typeof ledgerEntries.$inferSelect;

/**
 * Appends entries, each booked in its accounting month (see bookingPeriod), and returns them as
 * stored. Every kept sum moves with them in the same transaction, by the triggers in
 * src/db/running-sums.ts. Nothing here updates or deletes an entry: a correction is a new entry.
 */
export function appendLedger(tx: Db, entries: NewLedgerEntry[]): LedgerEntry[] {
  if (entries.length === 0) return [];
  const lastClosed = lastClosedPeriod(tx);
  const insert = prepared(tx, insertEntry);
  return entries.map((entry) =>
    insert.get({
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
    })!,
  );
}

const ENTRY_FIELDS = [
  'kind',
  'orderId',
  'supporterId',
  'pairs',
  'trapWeeks',
  'donationMinor',
  'currency',
  'occurredAt',
  'recordedAt',
  'reason',
  'eventId',
  'period',
] as const;
const insertEntry = (db: Db) => db.insert(ledgerEntries).values(placeholdersFor(ENTRY_FIELDS)).returning().prepare();

/**
 * Orders with entries that, net, credit someone other than the order's supporter: the check that
 * re-attribution (reconcile-order.ts) is done.
 */
export function findMisattributedOrders(db: Db): number[] {
  const l = ledgerEntries;
  return db
    .selectDistinct({ orderId: orders.id })
    .from(orders)
    .innerJoin(l, eq(l.orderId, orders.id))
    .where(and(isNotNull(orders.supporterId), sql`${l.supporterId} is not ${orders.supporterId}`))
    .groupBy(orders.id, l.supporterId, l.occurredAt)
    .having(sql`sum(${l.pairs}) <> 0 or sum(${l.trapWeeks}) <> 0 or sum(${l.donationMinor}) <> 0`)
    .orderBy(orders.id)
    .all()
    .map((row) => row.orderId);
}

/** Public totals, net of refunds and lost disputes. */
export function readTotals(db: Db): Totals {
  const row = db.select().from(ledgerTotals).get();
  return { pairs: row?.pairs ?? 0, trapWeeks: row?.trapWeeks ?? 0, supporters: row?.supporters ?? 0 };
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
export function sumOrderLedger(tx: Db, orderId: number): OrderLedgerSums[] {
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
export function findMisattributedEntries(tx: Db, orderId: number, supporterId: number): MisattributedSums[] {
  return prepared(tx, misattributedSums).all({ orderId, supporterId });
}

const orderSums = (db: Db) =>
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
const misattributedSums = (db: Db) =>
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
    .where(
      and(
        eq(ledgerEntries.orderId, sql.placeholder('orderId')),
        sql`${ledgerEntries.supporterId} is not ${sql.placeholder('supporterId')}`,
      ),
    )
    .groupBy(ledgerEntries.supporterId, ledgerEntries.currency, ledgerEntries.occurredAt)
    .having(
      sql`sum(${ledgerEntries.pairs}) <> 0 or sum(${ledgerEntries.trapWeeks}) <> 0
        or sum(${ledgerEntries.donationMinor}) <> 0`,
    )
    .orderBy(ledgerEntries.occurredAt, ledgerEntries.supporterId)
    .prepare();
