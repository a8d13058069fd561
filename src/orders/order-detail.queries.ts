import { asc, eq, or, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import {
  charges,
  disputes,
  ledgerEntries,
  orderLines,
  orders,
  refunds,
  stripeEvents,
  supporters,
} from '../db/schema/index.js';

/**
 * Everything staff need about one order: its lines, its ledger entries, the states of its charges,
 * refunds and disputes, and the Stripe events behind it (found through indexes on the ids inside
 * each stored payload).
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
    .select()
    .from(ledgerEntries)
    .where(eq(ledgerEntries.orderId, orderId))
    .orderBy(asc(ledgerEntries.id))
    .all();
  const pi = order.paymentIntentId;
  const objectId = sql`json_extract(${stripeEvents.payload}, '$.data.object.id')`;
  const intentId = sql`json_extract(${stripeEvents.payload}, '$.data.object.payment_intent')`;
  const events = db
    .select({
      id: stripeEvents.id,
      type: stripeEvents.type,
      status: stripeEvents.status,
      stripeCreated: stripeEvents.stripeCreated,
      attempts: stripeEvents.attempts,
    })
    .from(stripeEvents)
    .where(
      pi
        ? or(sql`${objectId} = ${order.checkoutSessionId}`, sql`${intentId} = ${pi}`)
        : sql`${objectId} = ${order.checkoutSessionId}`,
    )
    .orderBy(asc(stripeEvents.stripeCreated))
    .all();
  return {
    order,
    supporter,
    lines,
    entries,
    events,
    charges: pi ? db.select().from(charges).where(eq(charges.paymentIntentId, pi)).all() : [],
    refunds: pi ? db.select().from(refunds).where(eq(refunds.paymentIntentId, pi)).all() : [],
    disputes: pi ? db.select().from(disputes).where(eq(disputes.paymentIntentId, pi)).all() : [],
  };
}

export type OrderDetail = NonNullable<ReturnType<typeof findOrderDetail>>;
