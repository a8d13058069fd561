import { eq, sql } from 'drizzle-orm';
import type { DbOrTx } from '../db/client.js';
import { orders } from '../db/schema.js';
import { prepared } from '../db/prepared.js';

export type Order = typeof orders.$inferSelect;
export type OrderStatus = Order['status'];

const orderBySession = (db: DbOrTx) => db.select().from(orders).where(eq(orders.checkoutSessionId, sql.placeholder('checkoutSessionId'))).prepare();
const orderById = (db: DbOrTx) => db.select().from(orders).where(eq(orders.id, sql.placeholder('id'))).prepare();

export function findOrderBySession(db: DbOrTx, checkoutSessionId: string): Order | undefined {
  return prepared(db, orderBySession).get({ checkoutSessionId });
}

export function findOrderById(db: DbOrTx, id: number): Order | undefined {
  return prepared(db, orderById).get({ id });
}

export function findOrdersByPaymentIntent(db: DbOrTx, paymentIntentId: string): Order[] {
  return db.select().from(orders).where(eq(orders.paymentIntentId, paymentIntentId)).all();
}

const STATUS_STAGE: Record<OrderStatus, number> = { open: 0, unpaid: 1, expired: 2, failed: 2, paid: 3 };

/** Statuses only move forward: a paid order is never downgraded by a late expiry or a stale event. */
export function laterStatus(current: OrderStatus, incoming: OrderStatus): OrderStatus {
  return STATUS_STAGE[incoming] > STATUS_STAGE[current] ? incoming : current;
}
