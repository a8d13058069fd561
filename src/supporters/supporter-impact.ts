import { and, desc, eq, inArray, notInArray, sql } from 'drizzle-orm';
import type { DbOrTx } from '../db/client.js';
import { disputes, ledgerEntries, orders, supporterTotals } from '../db/schema.js';
import { findSupporterByToken, maskEmail } from './supporters.queries.js';

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

/** A supporter's own impact, found by their private token; undefined for an unknown token. */
export function findSupporterImpact(db: DbOrTx, token: string): SupporterImpact | undefined {
  const supporter = findSupporterByToken(db, token);
  if (!supporter) return undefined;
  const totals = db.select().from(supporterTotals).where(eq(supporterTotals.supporterId, supporter.id)).get();
  const orderRows = db
    .select()
    .from(orders)
    .where(and(eq(orders.supporterId, supporter.id), notInArray(orders.status, ['open', 'expired'])))
    .orderBy(desc(orders.paidAt), desc(orders.id))
    .all();
  const ids = orderRows.map((o) => o.id);
  const sums = ids.length
    ? db
        .select({
          orderId: ledgerEntries.orderId,
          kind: ledgerEntries.kind,
          pairs: sql<number>`sum(${ledgerEntries.pairs})`,
          trapWeeks: sql<number>`sum(${ledgerEntries.trapWeeks})`,
        })
        .from(ledgerEntries)
        .where(inArray(ledgerEntries.orderId, ids))
        .groupBy(ledgerEntries.orderId, ledgerEntries.kind)
        .all()
    : [];
  const intents = orderRows.map((o) => o.paymentIntentId).filter((pi): pi is string => pi !== null);
  const disputed = new Set(
    intents.length
      ? db
          .select({ pi: disputes.paymentIntentId })
          .from(disputes)
          .where(and(inArray(disputes.paymentIntentId, intents), inArray(disputes.status, OPEN_DISPUTE)))
          .all()
          .map((d) => d.pi)
      : [],
  );

  return {
    supporterId: supporter.id,
    email: maskEmail(supporter.email),
    name: supporter.name,
    isSubscribed: supporter.isSubscribed,
    pairs: totals?.pairs ?? 0,
    trapWeeks: totals?.trapWeeks ?? 0,
    orders: orderRows.map((order) => {
      const mine = sums.filter((s) => s.orderId === order.id);
      const of = (kinds: string[]) => mine.filter((s) => kinds.includes(s.kind));
      const pairs = mine.reduce((n, s) => n + s.pairs, 0);
      const soldPairs = of(['sale', 'adjustment']).reduce((n, s) => n + s.pairs, 0);
      const refunded = of(['refund']).reduce((n, s) => n - s.pairs, 0);
      const disputeLost = of(['dispute_lost', 'dispute_won']).reduce((n, s) => n - s.pairs, 0);
      let status: OrderDisplayStatus = 'paid';
      if (order.status === 'failed') status = 'payment_failed';
      else if (order.status !== 'paid') status = 'awaiting_payment';
      else if (disputeLost > 0) status = 'dispute_lost';
      else if (order.paymentIntentId && disputed.has(order.paymentIntentId)) status = 'disputed';
      else if (refunded > 0) status = refunded >= soldPairs ? 'refunded' : 'partially_refunded';
      return {
        checkoutSessionId: order.checkoutSessionId,
        paidAt: order.paidAt === null ? null : new Date(order.paidAt).toISOString(),
        pairs,
        trapWeeks: mine.reduce((n, s) => n + s.trapWeeks, 0),
        status,
      };
    }),
  };
}
