import { and, desc, eq, inArray, isNull, notInArray, sql } from 'drizzle-orm';
import { prepared, type Db } from '../db/client.js';
import { disputes, orderLines, orders, supporters, supporterTotals } from '../db/schema/index.js';
import { refundedMinorFor } from '../orders/payments.queries.js';
import { maskEmail } from './supporters.queries.js';

export type OrderDisplayStatus =
  | 'paid'
  | 'partially_refunded'
  | 'refunded'
  | 'disputed'
  | 'dispute_lost'
  | 'awaiting_payment'
  | 'payment_failed'
  /** Paid, but some of its items are not yet matched to a sock product, so they fund nothing yet. */
  | 'unmatched';

export interface SupporterOrder {
  checkoutSessionId: string;
  paidAt: string | null;
  /** Pairs the order funds now: net of refunds and lost disputes. */
  pairs: number;
  trapWeeks: number;
  status: OrderDisplayStatus;
  /** Pairs bought, before any refund or reversal. */
  boughtPairs: number;
}

export interface SupporterImpact {
  supporterId: number;
  email: string;
  name: string | null;
  isSubscribed: boolean;
  /** False once mail to the address hard-bounced: nothing is sent to it any more. */
  isDeliverable: boolean;
  pairs: number;
  trapWeeks: number;
  orders: SupporterOrder[];
}

const OPEN_DISPUTE = ['warning_needs_response', 'warning_under_review', 'needs_response', 'under_review'];

/**
 * The page a shopper opens most, read in one statement: one snapshot without a transaction, one
 * WAL read lock, one trip into SQLite. It is prepared once per connection (building a query
 * costs several times more than SQLite takes to answer it) and reads the orders only through the
 * orders_supporter index, which holds each order's figures (a trigger keeps them): one shopper's
 * orders sit side by side there, a page or two however big the tables grow, and no ledger entry is
 * read. One row per order, newest first; a supporter without orders gets one row with the order
 * columns null. An erased supporter has no page: their token was replaced, and this says so again.
 */
function prepareRead(db: Db) {
  return db
    .select({
      supporterId: supporters.id,
      email: supporters.email,
      name: supporters.name,
      isSubscribed: supporters.isSubscribed,
      isDeliverable: supporters.isDeliverable,
      totalPairs: supporterTotals.pairs,
      totalTrapWeeks: supporterTotals.trapWeeks,
      orderId: orders.id,
      checkoutSessionId: orders.checkoutSessionId,
      status: orders.status,
      paidAt: orders.paidAt,
      pairs: orders.pairs,
      trapWeeks: orders.trapWeeks,
      paymentIntentId: orders.paymentIntentId,
      soldPairs: orders.soldPairs,
      refundedPairs: orders.refundedPairs,
      reversedPairs: orders.reversedPairs,
      isDisputed: sql<number>`exists (select 1 from ${disputes}
        where ${disputes.paymentIntentId} = ${orders.paymentIntentId} and ${inArray(disputes.status, OPEN_DISPUTE)})`,
      // Through the partial index order_lines_unmapped, which holds only lines not yet matched to a product.
      hasUnmatchedLines: sql<number>`exists (select 1 from ${orderLines}
        where ${orderLines.orderId} = ${orders.id} and ${orderLines.pairsPerUnit} is null)`,
    })
    .from(supporters)
    .leftJoin(supporterTotals, eq(supporterTotals.supporterId, supporters.id))
    .leftJoin(orders, and(eq(orders.supporterId, supporters.id), notInArray(orders.status, ['open', 'expired'])))
    .where(and(eq(supporters.token, sql.placeholder('token')), isNull(supporters.erasedAt)))
    .orderBy(desc(orders.paidAt), desc(orders.id))
    .prepare();
}

type Row = ReturnType<ReturnType<typeof prepareRead>['all']>[number];

/** A supporter's own impact, found by their private token; undefined for an unknown token. */
export function findSupporterImpact(db: Db, token: string): SupporterImpact | undefined {
  const rows = prepared(db, prepareRead).all({ token });
  const supporter = rows[0];
  if (!supporter) return undefined;
  return {
    supporterId: supporter.supporterId,
    email: maskEmail(supporter.email),
    name: supporter.name,
    isSubscribed: supporter.isSubscribed,
    isDeliverable: supporter.isDeliverable,
    pairs: supporter.totalPairs ?? 0,
    trapWeeks: supporter.totalTrapWeeks ?? 0,
    orders: newestFirst(rows.filter((row) => row.orderId !== null)).map((row) => orderView(row, moneyOf(db, row))),
  };
}

/**
 * The statement returns paid orders newest first, then those without a payment date, as SQLite
 * sorts nulls. Orders still waiting for their payment are the newest of all, so they move to the
 * top; failed payments (also without a date, and possibly old) stay at the bottom.
 */
function newestFirst(rows: Row[]): Row[] {
  return [...rows.filter((row) => row.status === 'unpaid'), ...rows.filter((row) => row.status !== 'unpaid')];
}

interface OrderMoney {
  amountTotalMinor: number;
  refundedMinor: number;
}

/**
 * The money behind the few paid orders whose pairs cannot tell how much was refunded: refunds
 * took back every pair (all of the money, or only some: 10% off a one-pair order takes its pair),
 * or the order sold no pairs at all (its items are not matched yet). Every other order is answered
 * by the page's one statement, from the index alone.
 */
function moneyOf(db: Db, row: Row): OrderMoney | undefined {
  const isUnclear = row.soldPairs! === 0 || (row.refundedPairs! > 0 && row.refundedPairs! >= row.soldPairs!);
  if (row.status !== 'paid' || !isUnclear || !row.paymentIntentId) return undefined;
  const order = prepared(db, readOrderTotal).get({ orderId: row.orderId! });
  return order
    ? { amountTotalMinor: order.amountTotalMinor, refundedMinor: refundedMinorFor(db, row.paymentIntentId) }
    : undefined;
}

const readOrderTotal = (db: Db) =>
  db
    .select({ amountTotalMinor: orders.amountTotalMinor })
    .from(orders)
    .where(eq(orders.id, sql.placeholder('orderId')))
    .prepare();

/**
 * An order's figures and honest status. Money decides what was refunded (a refund of 10% of a
 * one-pair order takes the pair back, but the order was only partly refunded), and a refund
 * outranks a dispute opened after it: nothing is "still counted" that no longer is.
 */
function orderView(order: Row, money: OrderMoney | undefined): SupporterOrder {
  let status: OrderDisplayStatus = 'paid';
  const refundedMinor = money?.refundedMinor ?? 0;
  const isFullyRefunded =
    refundedMinor > 0
      ? refundedMinor >= money!.amountTotalMinor
      : order.soldPairs! > 0 && order.refundedPairs! >= order.soldPairs!;
  if (order.status === 'failed') status = 'payment_failed';
  else if (order.status !== 'paid') status = 'awaiting_payment';
  else if (order.reversedPairs! > 0) status = 'dispute_lost';
  else if (isFullyRefunded) status = 'refunded';
  else if (order.isDisputed) status = 'disputed';
  else if (refundedMinor > 0 || order.refundedPairs! > 0) status = 'partially_refunded';
  else if (order.hasUnmatchedLines) status = 'unmatched';
  return {
    checkoutSessionId: order.checkoutSessionId!,
    paidAt: order.paidAt === null ? null : new Date(order.paidAt).toISOString(),
    pairs: order.pairs!,
    trapWeeks: order.trapWeeks!,
    status,
    boughtPairs: order.soldPairs!,
  };
}
