import { and, desc, eq, gte, inArray, lt, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { charges, disputes, ledgerEntries, orderLines, orders, refunds, supporters } from '../db/schema/index.js';
import { periodEnd, periodStart } from '../lib/months.js';
import { normaliseEmail } from '../lib/email-address.js';
import type { OrderStatus } from './orders.queries.js';

export interface OrderSearch {
  /** An email, or a Stripe id: checkout session, payment intent, charge, refund or dispute. */
  text?: string;
  status?: OrderStatus;
  /** YYYY-MM: paid in that month. */
  month?: string;
  /** Keyset pagination: orders with a smaller id. */
  beforeId?: number;
  limit: number;
}

export interface OrderListRow {
  id: number;
  checkoutSessionId: string;
  status: OrderStatus;
  paidAt: number | null;
  amountTotalMinor: number;
  currency: string;
  email: string | null;
  pairs: number;
  hasUnmappedLines: boolean;
}

/** Orders newest first, filtered; each page is an index walk, however deep. */
export function searchOrders(db: Db, search: OrderSearch): OrderListRow[] {
  const match = search.text ? matchText(db, search.text.trim()) : undefined;
  if (match === null) return [];
  const where = and(
    match,
    search.status ? eq(orders.status, search.status) : undefined,
    search.month
      ? and(gte(orders.paidAt, periodStart(search.month)), lt(orders.paidAt, periodEnd(search.month)))
      : undefined,
    search.beforeId ? lt(orders.id, search.beforeId) : undefined,
  );
  const rows = db
    .select({
      id: orders.id,
      checkoutSessionId: orders.checkoutSessionId,
      status: orders.status,
      paidAt: orders.paidAt,
      amountTotalMinor: orders.amountTotalMinor,
      currency: orders.currency,
      email: supporters.email,
    })
    .from(orders)
    .leftJoin(supporters, eq(supporters.id, orders.supporterId))
    .where(where)
    .orderBy(desc(orders.id))
    .limit(search.limit)
    .all();
  const ids = rows.map((r) => r.id);
  if (ids.length === 0) return [];
  const pairs = new Map(
    db
      .select({ orderId: ledgerEntries.orderId, pairs: sql<number>`sum(${ledgerEntries.pairs})` })
      .from(ledgerEntries)
      .where(inArray(ledgerEntries.orderId, ids))
      .groupBy(ledgerEntries.orderId)
      .all()
      .map((r) => [r.orderId, r.pairs]),
  );
  const unmapped = new Set(
    db
      .select({ orderId: orderLines.orderId })
      .from(orderLines)
      .where(and(inArray(orderLines.orderId, ids), sql`${orderLines.pairsPerUnit} is null`))
      .all()
      .map((r) => r.orderId),
  );
  return rows.map((r) => ({ ...r, pairs: pairs.get(r.id) ?? 0, hasUnmappedLines: unmapped.has(r.id) }));
}

/** The condition a search text stands for; null when it cannot match any order. */
function matchText(db: Db, text: string): SQL | null {
  if (text.includes('@')) {
    const email = normaliseEmail(text);
    const supporter = email
      ? db.select({ id: supporters.id }).from(supporters).where(eq(supporters.email, email)).get()
      : undefined;
    return supporter ? eq(orders.supporterId, supporter.id) : null;
  }
  if (/^\d+$/.test(text)) return eq(orders.id, Number(text));
  if (text.startsWith('cs_')) return eq(orders.checkoutSessionId, text);
  if (text.startsWith('pi_')) return eq(orders.paymentIntentId, text);
  const table =
    text.startsWith('ch_') || text.startsWith('py_')
      ? charges
      : text.startsWith('re_') || text.startsWith('pyr_')
        ? refunds
        : text.startsWith('dp_') || text.startsWith('du_')
          ? disputes
          : null;
  if (!table) return null;
  const intent = db.select({ pi: table.paymentIntentId }).from(table).where(eq(table.id, text)).get()?.pi;
  return intent ? eq(orders.paymentIntentId, intent) : null;
}
