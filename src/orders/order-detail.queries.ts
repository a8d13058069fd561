import { asc, eq, getTableColumns, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { ledgerEntries, orderLines, orders, supporters } from '../db/schema/index.js';
import { listEventsAbout } from '../stripe/event-copies.queries.js';
import { listPaymentRecords, stripeRefsOf } from '../supporters/supporter-data.queries.js';

/** Each entry with the order's pairs, trap-weeks and donation owed summed up to and including it. */
const runningTotals = {
  runningPairs: sql<number>`sum(${ledgerEntries.pairs}) over (order by ${ledgerEntries.id})`,
  runningTrapWeeks: sql<number>`sum(${ledgerEntries.trapWeeks}) over (order by ${ledgerEntries.id})`,
  runningDonationMinor: sql<number>`sum(${ledgerEntries.donationMinor}) over (order by ${ledgerEntries.id})`,
};

/**
 * Everything staff need about one order: its lines, its ledger entries with running totals, the
 * states of its charges, refunds and disputes, and the Stripe events behind it. Every read is one
 * order's rows through an index (the events through the indexes on the ids inside each stored
 * payload), so a buyer's other orders cost nothing here.
 */
export function findOrderDetail(db: Db, orderId: number) {
  const order = db.select().from(orders).where(eq(orders.id, orderId)).get();
  if (!order) return undefined;
  const supporter = order.supporterId
    ? db
        .select({ id: supporters.id, email: supporters.email, name: supporters.name, erasedAt: supporters.erasedAt })
        .from(supporters)
        .where(eq(supporters.id, order.supporterId))
        .get()
    : undefined;
  const lines = db.select().from(orderLines).where(eq(orderLines.orderId, orderId)).orderBy(asc(orderLines.id)).all();
  const entries = db
    .select({ ...getTableColumns(ledgerEntries), ...runningTotals })
    .from(ledgerEntries)
    .where(eq(ledgerEntries.orderId, orderId))
    .orderBy(asc(ledgerEntries.id))
    .all();
  const payments = listPaymentRecords(db, order.paymentIntentId ? [order.paymentIntentId] : []);
  // Checkout events carry the session's id, payment events the intent, or only their own id (a
  // refund or dispute naming just its charge): the stored charges, refunds and disputes supply those.
  const events = listEventsAbout(db, stripeRefsOf([order], payments));
  return { order, supporter, lines, entries, events, ...payments };
}

export type OrderDetail = NonNullable<ReturnType<typeof findOrderDetail>>;
