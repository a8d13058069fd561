import { eq, sql } from 'drizzle-orm';
import type { Db, DbOrTx } from '../db/client.js';
import { ledgerEntries, ledgerTotals, supporterTotals } from '../db/schema.js';
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
  tx.insert(ledgerEntries)
    .values(entries.map((entry) => ({ ...entry, period: bookingPeriod(entry.occurredAt, lastClosed) })))
    .run();
  tx.insert(ledgerTotals).values({ scope: ALL }).onConflictDoNothing().run();
  for (const entry of entries) {
    if (entry.pairs === 0 && entry.trapWeeks === 0) continue;
    tx.update(ledgerTotals)
      .set({ pairs: sql`${ledgerTotals.pairs} + ${entry.pairs}`, trapWeeks: sql`${ledgerTotals.trapWeeks} + ${entry.trapWeeks}` })
      .where(eq(ledgerTotals.scope, ALL))
      .run();
    if (entry.supporterId != null) moveSupporterTotals(tx, entry.supporterId, entry.pairs, entry.trapWeeks);
  }
}

/** Keeps a supporter's sums and the count of supporters with impact (net pairs above zero). */
function moveSupporterTotals(tx: DbOrTx, supporterId: number, pairs: number, trapWeeks: number): void {
  const before = tx.select({ pairs: supporterTotals.pairs }).from(supporterTotals).where(eq(supporterTotals.supporterId, supporterId)).get();
  const beforePairs = before?.pairs ?? 0;
  tx.insert(supporterTotals)
    .values({ supporterId, pairs, trapWeeks })
    .onConflictDoUpdate({
      target: supporterTotals.supporterId,
      set: { pairs: sql`${supporterTotals.pairs} + ${pairs}`, trapWeeks: sql`${supporterTotals.trapWeeks} + ${trapWeeks}` },
    })
    .run();
  const afterPairs = beforePairs + pairs;
  const change = Number(afterPairs > 0) - Number(beforePairs > 0);
  if (change !== 0) {
    tx.update(ledgerTotals)
      .set({ supporters: sql`${ledgerTotals.supporters} + ${change}` })
      .where(eq(ledgerTotals.scope, ALL))
      .run();
  }
}

/** Public totals, net of refunds and lost disputes. */
export function readTotals(db: Db): Totals {
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
  pairs: number;
  trapWeeks: number;
  donationMinor: number;
  entries: number;
}

/** An order's entries summed per kind. */
export function sumOrderLedger(tx: DbOrTx, orderId: number): OrderLedgerSums[] {
  return tx
    .select({
      kind: ledgerEntries.kind,
      pairs: sql<number>`sum(${ledgerEntries.pairs})`,
      trapWeeks: sql<number>`sum(${ledgerEntries.trapWeeks})`,
      donationMinor: sql<number>`sum(${ledgerEntries.donationMinor})`,
      entries: sql<number>`count(*)`,
    })
    .from(ledgerEntries)
    .where(eq(ledgerEntries.orderId, orderId))
    .groupBy(ledgerEntries.kind)
    .all();
}
