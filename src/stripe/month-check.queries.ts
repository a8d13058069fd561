import { and, eq, gt, gte, inArray, lt, or, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { disputes, orderLines, orders, refunds } from '../db/schema/index.js';

/** What the ledger knows of an order, for comparing it with Stripe's checkout session. */
export interface OrderFacts {
  id: number;
  checkoutSessionId: string;
  status: string;
  amountTotalMinor: number;
  currency: string;
  livemode: boolean;
  paidAt: number | null;
  soldPairs: number;
  unmappedLines: number;
}

const orderFacts = {
  id: orders.id,
  checkoutSessionId: orders.checkoutSessionId,
  status: orders.status,
  amountTotalMinor: orders.amountTotalMinor,
  currency: orders.currency,
  livemode: orders.livemode,
  paidAt: orders.paidAt,
  soldPairs: orders.soldPairs,
  // Qualified by hand: a single-table select names its own columns bare, which inside this
  // subquery would mean order_lines' columns.
  unmappedLines: sql<number>`(select count(*) from ${orderLines} as ol where ol.order_id = "orders"."id" and ol.pairs_per_unit is null)`,
};

/** The orders behind a page of checkout sessions (at most a page: 100 ids). */
export function findOrdersBySessions(db: Db, sessionIds: string[]): Map<string, OrderFacts> {
  if (sessionIds.length === 0) return new Map();
  const rows = db.select(orderFacts).from(orders).where(inArray(orders.checkoutSessionId, sessionIds)).all();
  return new Map(rows.map((r) => [r.checkoutSessionId, r]));
}

/**
 * Paid orders whose payment falls in [fromMs, toMs), a chunk at a time after (paidAt, id): read in
 * the order of the paid-at index, so each chunk costs the same however far in it is.
 */
export function listPaidOrdersBetween(
  db: Db,
  fromMs: number,
  toMs: number,
  after: { paidAt: number; id: number } | null,
  limit: number,
): OrderFacts[] {
  const start = after
    ? or(gt(orders.paidAt, after.paidAt), and(eq(orders.paidAt, after.paidAt), gt(orders.id, after.id)))
    : gte(orders.paidAt, fromMs);
  return db
    .select(orderFacts)
    .from(orders)
    .where(and(start, lt(orders.paidAt, toMs), eq(orders.status, 'paid')))
    .orderBy(orders.paidAt, orders.id)
    .limit(limit)
    .all();
}

export interface PaymentChildFacts {
  id: string;
  amountMinor: number;
  status: string;
  stripeCreated: number;
}

/** The refunds or disputes among `ids` that the ledger knows, with their latest kept state. */
export function findPaymentChildren(
  db: Db,
  which: 'refunds' | 'disputes',
  ids: string[],
): Map<string, PaymentChildFacts> {
  if (ids.length === 0) return new Map();
  const table = which === 'refunds' ? refunds : disputes;
  const rows = db
    .select({ id: table.id, amountMinor: table.amountMinor, status: table.status, stripeCreated: table.stripeCreated })
    .from(table)
    .where(inArray(table.id, ids))
    .all();
  return new Map(rows.map((r) => [r.id, r]));
}
