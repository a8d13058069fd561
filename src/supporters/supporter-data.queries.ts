import { asc, eq, inArray } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { charges, disputes, ledgerEntries, orderLines, orders, refunds, supporterTotals } from '../db/schema/index.js';
import type { StripeRefs } from '../stripe/event-copies.queries.js';

/**
 * What the app holds about one supporter's purchases, each read in one statement over an index
 * (orders_supporter, then each table's order or payment index): a buyer with a thousand orders
 * costs a handful of statements, not a thousand.
 */

export type SupporterOrderRow = typeof orders.$inferSelect;
export type SupporterLineRow = typeof orderLines.$inferSelect;
export type SupporterLedgerRow = typeof ledgerEntries.$inferSelect;

const CHUNK = 400;
const ofSupporter = (db: Db, supporterId: number) =>
  db.select({ id: orders.id }).from(orders).where(eq(orders.supporterId, supporterId));

export function listOrdersOfSupporter(db: Db, supporterId: number): SupporterOrderRow[] {
  return db.select().from(orders).where(eq(orders.supporterId, supporterId)).orderBy(asc(orders.id)).all();
}

export function listLinesOfSupporter(db: Db, supporterId: number): SupporterLineRow[] {
  return db
    .select()
    .from(orderLines)
    .where(inArray(orderLines.orderId, ofSupporter(db, supporterId)))
    .orderBy(asc(orderLines.orderId), asc(orderLines.id))
    .all();
}

/** Every ledger entry booked to the supporter's orders, in the order they were appended. */
export function listLedgerOfSupporter(db: Db, supporterId: number): SupporterLedgerRow[] {
  return db
    .select()
    .from(ledgerEntries)
    .where(inArray(ledgerEntries.orderId, ofSupporter(db, supporterId)))
    .orderBy(asc(ledgerEntries.id))
    .all();
}

export function readSupporterTotals(db: Db, supporterId: number): { pairs: number; trapWeeks: number } {
  const row = db
    .select({ pairs: supporterTotals.pairs, trapWeeks: supporterTotals.trapWeeks })
    .from(supporterTotals)
    .where(eq(supporterTotals.supporterId, supporterId))
    .get();
  return row ?? { pairs: 0, trapWeeks: 0 };
}

export interface PaymentRecords {
  charges: (typeof charges.$inferSelect)[];
  refunds: (typeof refunds.$inferSelect)[];
  disputes: (typeof disputes.$inferSelect)[];
}

/** The charges, refunds and disputes of these payment intents. */
export function listPaymentRecords(db: Db, paymentIntentIds: string[]): PaymentRecords {
  const records: PaymentRecords = { charges: [], refunds: [], disputes: [] };
  for (let i = 0; i < paymentIntentIds.length; i += CHUNK) {
    const ids = paymentIntentIds.slice(i, i + CHUNK);
    records.charges.push(...db.select().from(charges).where(inArray(charges.paymentIntentId, ids)).all());
    records.refunds.push(...db.select().from(refunds).where(inArray(refunds.paymentIntentId, ids)).all());
    records.disputes.push(...db.select().from(disputes).where(inArray(disputes.paymentIntentId, ids)).all());
  }
  return records;
}

/** The ids the stored Stripe events about these orders carry. */
export function stripeRefsOf(orderRows: SupporterOrderRow[], payments: PaymentRecords): StripeRefs {
  const paymentIntentIds = orderRows.flatMap((o) => (o.paymentIntentId ? [o.paymentIntentId] : []));
  return {
    objectIds: [
      ...orderRows.map((o) => o.checkoutSessionId),
      ...paymentIntentIds,
      ...payments.charges.map((c) => c.id),
      ...payments.refunds.map((r) => r.id),
      ...payments.disputes.map((d) => d.id),
    ],
    paymentIntentIds,
  };
}
