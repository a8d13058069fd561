import { eq, sql } from 'drizzle-orm';
import { prepared, type Db } from '../db/client.js';
import { orders } from '../db/schema/index.js';

export type Order = typeof orders.$inferSelect;
export type OrderStatus = Order['status'];

const orderBySession = (db: Db) =>
  db
    .select()
    .from(orders)
    .where(eq(orders.checkoutSessionId, sql.placeholder('checkoutSessionId')))
    .prepare();
const orderById = (db: Db) =>
  db
    .select()
    .from(orders)
    .where(eq(orders.id, sql.placeholder('id')))
    .prepare();

export function findOrderBySession(db: Db, checkoutSessionId: string): Order | undefined {
  return prepared(db, orderBySession).get({ checkoutSessionId });
}

export function findOrderById(db: Db, id: number): Order | undefined {
  return prepared(db, orderById).get({ id });
}

const ordersByPaymentIntent = (db: Db) =>
  db
    .select()
    .from(orders)
    .where(eq(orders.paymentIntentId, sql.placeholder('paymentIntentId')))
    .prepare();

export function findOrdersByPaymentIntent(db: Db, paymentIntentId: string): Order[] {
  return prepared(db, ordersByPaymentIntent).all({ paymentIntentId });
}

const STATUS_STAGE: Record<OrderStatus, number> = { open: 0, unpaid: 1, expired: 2, failed: 2, paid: 3 };

/** Statuses only move forward: a paid order is never downgraded by a late expiry or a stale event. */
export function laterStatus(current: OrderStatus, incoming: OrderStatus): OrderStatus {
  return STATUS_STAGE[incoming] > STATUS_STAGE[current] ? incoming : current;
}
