import { and, desc, eq, inArray, notInArray, sql } from 'drizzle-orm';
import type { DbOrTx } from '../db/client.js';
import { disputes, ledgerEntries, orders, supporters, supporterTotals } from '../db/schema.js';
import { maskEmail } from './supporters.queries.js';
import { prepared } from '../db/prepared.js';

export type OrderDisplayStatus = 'paid' | 'partially_refunded' | 'refunded' | 'disputed' | 'dispute_lost' | 'awaiting_payment' | 'payment_failed';

export interface SupporterOrder {
  checkoutSessionId: string;
  paidAt: string | null;
  pairs: number;
  trapWeeks: number;
  status: OrderDisplayStatus;
}

export interface SupporterImpact {
  supporterId: number;
  email: string;
  name: string | null;
  isSubscribed: boolean;
  pairs: number;
  trapWeeks: number;
  orders: SupporterOrder[];
}

const OPEN_DISPUTE = ['warning_needs_response', 'warning_under_review', 'needs_response', 'under_review'];

/**
 * The page a shopper opens most, read in one statement: one snapshot without a transaction, one
 * WAL read lock, one trip into SQLite. It is prepared once per connection (building a query
 * costs several times more than SQLite takes to answer it) and reads only columns the
 * orders_supporter and ledger_supporter indexes hold, where one shopper's rows sit side by side: a
 * page or two however big the tables grow. One row per order and ledger kind, newest order first;
 * a supporter without orders gets one row with the order columns null.
 */
function prepareRead(db: DbOrTx) {
  return db
    .select({
      supporterId: supporters.id,
      email: supporters.email,
      name: supporters.name,
      isSubscribed: supporters.isSubscribed,
      totalPairs: supporterTotals.pairs,
      totalTrapWeeks: supporterTotals.trapWeeks,
      orderId: orders.id,
      checkoutSessionId: orders.checkoutSessionId,
      paymentIntentId: orders.paymentIntentId,
      status: orders.status,
      paidAt: orders.paidAt,
      kind: ledgerEntries.kind,
      pairs: sql<number | null>`sum(${ledgerEntries.pairs})`,
      trapWeeks: sql<number | null>`sum(${ledgerEntries.trapWeeks})`,
      isDisputed: sql<number>`exists (select 1 from ${disputes} where ${disputes.paymentIntentId} = ${orders.paymentIntentId} and ${inArray(disputes.status, OPEN_DISPUTE)})`,
    })
    .from(supporters)
    .leftJoin(supporterTotals, eq(supporterTotals.supporterId, supporters.id))
    .leftJoin(orders, and(eq(orders.supporterId, supporters.id), notInArray(orders.status, ['open', 'expired'])))
    // An order's entries carry its supporter (supporter_totals is summed from the same column).
    .leftJoin(ledgerEntries, and(eq(ledgerEntries.supporterId, supporters.id), eq(ledgerEntries.orderId, orders.id)))
    .where(eq(supporters.token, sql.placeholder('token')))
    .groupBy(orders.paidAt, orders.id, ledgerEntries.kind)
    .orderBy(desc(orders.paidAt), desc(orders.id), ledgerEntries.kind)
    .prepare();
}

type Row = ReturnType<ReturnType<typeof prepareRead>['all']>[number];

/** A supporter's own impact, found by their private token; undefined for an unknown token. */
export function findSupporterImpact(db: DbOrTx, token: string): SupporterImpact | undefined {
  const rows = prepared(db, prepareRead).all({ token });
  const supporter = rows[0];
  if (!supporter) return undefined;

  const byOrder = new Map<number, Row[]>();
  for (const row of rows) {
    if (row.orderId === null) continue;
    const list = byOrder.get(row.orderId) ?? [];
    list.push(row);
    byOrder.set(row.orderId, list);
  }

  return {
    supporterId: supporter.supporterId,
    email: maskEmail(supporter.email),
    name: supporter.name,
    isSubscribed: supporter.isSubscribed,
    pairs: supporter.totalPairs ?? 0,
    trapWeeks: supporter.totalTrapWeeks ?? 0,
    orders: [...byOrder.values()].map((mine) => orderView(mine[0]!, mine)),
  };
}

/** An order's figures and honest status, from its ledger sums by kind. */
function orderView(order: Row, mine: Row[]): SupporterOrder {
  const sum = (kinds: string[], of: 'pairs' | 'trapWeeks') => mine.reduce((n, s) => n + (s.kind !== null && kinds.includes(s.kind) ? (s[of] ?? 0) : 0), 0);
  const all = (of: 'pairs' | 'trapWeeks') => mine.reduce((n, s) => n + (s[of] ?? 0), 0);
  const soldPairs = sum(['sale', 'adjustment'], 'pairs');
  const refunded = -sum(['refund'], 'pairs');
  const disputeLost = -sum(['dispute_lost', 'dispute_won'], 'pairs');
  let status: OrderDisplayStatus = 'paid';
  if (order.status === 'failed') status = 'payment_failed';
  else if (order.status !== 'paid') status = 'awaiting_payment';
  else if (disputeLost > 0) status = 'dispute_lost';
  else if (order.isDisputed) status = 'disputed';
  else if (refunded > 0) status = refunded >= soldPairs ? 'refunded' : 'partially_refunded';
  return {
    checkoutSessionId: order.checkoutSessionId!,
    paidAt: order.paidAt === null ? null : new Date(order.paidAt).toISOString(),
    pairs: all('pairs'),
    trapWeeks: all('trapWeeks'),
    status,
  };
}
