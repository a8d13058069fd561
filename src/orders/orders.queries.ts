import { eq } from 'drizzle-orm';
import type { DbOrTx } from '../db/client.js';
import { orders } from '../db/schema.js';

export type Order = typeof orders.$inferSelect;
export type OrderStatus = Order['status'];

export function findOrderBySession(db: DbOrTx, checkoutSessionId: string): Order | undefined {
  return db.select().from(orders).where(eq(orders.checkoutSessionId, checkoutSessionId)).get();
}

export function findOrdersByPaymentIntent(db: DbOrTx, paymentIntentId: string): Order[] {
  return db.select().from(orders).where(eq(orders.paymentIntentId, paymentIntentId)).all();
}

const STATUS_STAGE: Record<OrderStatus, number> = { open: 0, unpaid: 1, expired: 2, failed: 2, paid: 3 };

/** Statuses only move forward: a paid order is never downgraded by a late expiry or a stale event. */
export function laterStatus(current: OrderStatus, incoming: OrderStatus): OrderStatus {
  return STATUS_STAGE[incoming] > STATUS_STAGE[current] ? incoming : current;
}
