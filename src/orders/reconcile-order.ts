import { eq, sql } from 'drizzle-orm';
import { param, prepared, type Db } from '../db/client.js';
import { orderLines, orders } from '../db/schema/index.js';
import { findOrderById, type Order } from './orders.queries.js';
import { isoDay } from '../lib/clock.js';
import {
  appendLedger,
  findMisattributedEntries,
  sumOrderLedger,
  type LedgerKind,
  type NewLedgerEntry,
  type OrderLedgerSums,
} from '../ledger/ledger.queries.js';
import { ruleById, ruleInForce, type ConversionRule } from '../conversion/conversion-rules.js';
import { disputeLostMinorFor, refundedMinorFor } from './payments.queries.js';
import { targetPairs, valueOfPairs, type PairsTarget } from './order-impact.js';

export interface ReconcileCause {
  /** When the change happened, for accounting (a refund's event time, say). */
  occurredAt: number;
  recordedAt: number;
  eventId: string | null;
}

interface Component {
  kinds: LedgerKind[];
  targetPairs: number;
  /** How to book a difference of `deltaPairs`, given whether this component has entries already. */
  describe: (deltaPairs: number, hasEntries: boolean) => { kind: LedgerKind; reason: string; occurredAt: number };
}

const setOrderRule = (db: Db) =>
  db
    .update(orders)
    .set({
      ruleId: param(orders.ruleId, 'ruleId'),
      isDonationRateMissing: param(orders.isDonationRateMissing, 'isDonationRateMissing'),
    })
    .where(eq(orders.id, sql.placeholder('id')))
    .returning()
    .prepare();
const linesOfOrder = (db: Db) =>
  db
    .select()
    .from(orderLines)
    .where(eq(orderLines.orderId, sql.placeholder('orderId')))
    .prepare();

/**
 * Brings an order's ledger to what its current facts say it should be, by appending the difference.
 * Running it again changes nothing; running it after any new fact appends only that fact's effect.
 */
export function reconcileOrder(tx: Db, orderId: number, cause: ReconcileCause): NewLedgerEntry[] {
  const found = findOrderById(tx, orderId);
  if (!found) throw new Error(`order ${orderId} does not exist`);
  const current = sumOrderLedger(tx, orderId);
  if (found.status !== 'paid' && current.length === 0) return [];

  const order = withRule(tx, found, cause);
  const rule = ruleById(tx, order.ruleId!);
  const lines = prepared(tx, linesOfOrder).all({ orderId });
  const refundedMinor = order.paymentIntentId ? refundedMinorFor(tx, order.paymentIntentId) : 0;
  const target = targetPairs({
    isPaid: order.status === 'paid',
    amountTotalMinor: order.amountTotalMinor,
    fundedPairs: lines.reduce((sum, line) => sum + line.quantity * (line.pairsPerUnit ?? 0), 0),
    refundedMinor,
    disputeLostMinor: order.paymentIntentId ? disputeLostMinorFor(tx, order.paymentIntentId) : 0,
  });

  const entries: NewLedgerEntry[] = reattributionEntries(tx, order.id, order.supporterId, current, cause);
  for (const component of componentsOf(order, target, refundedMinor, cause)) {
    const entry = differenceEntry(component, current, rule, order.currency);
    if (entry)
      entries.push({
        ...entry,
        orderId,
        supporterId: order.supporterId,
        recordedAt: cause.recordedAt,
        eventId: cause.eventId,
      });
  }
  appendLedger(tx, entries);
  return entries;
}

/** A paid order keeps the conversion rule in force on the day it was paid, fixed the first time it is reconciled. */
function withRule(tx: Db, order: Order, cause: ReconcileCause): Order {
  if (order.status !== 'paid' || order.ruleId != null) return order;
  const rule = ruleInForce(tx, isoDay(order.paidAt ?? cause.occurredAt));
  const isDonationRateMissing = rule.donationPerPairMinor[order.currency] === undefined;
  return prepared(tx, setOrderRule).get({ id: order.id, ruleId: rule.id, isDonationRateMissing })!;
}

/** The three parts of an order's ledger, each with the pairs it should come to and how to book a difference. */
function componentsOf(order: Order, target: PairsTarget, refundedMinor: number, cause: ReconcileCause): Component[] {
  const { checkoutSessionId, amountTotalMinor, currency, paidAt } = order;
  return [
    {
      kinds: ['sale', 'adjustment'],
      targetPairs: target.salePairs,
      describe: (delta, hasEntries) =>
        hasEntries
          ? {
              kind: 'adjustment',
              reason: `pairs recomputed (${signed(delta)}) after a product mapping changed`,
              occurredAt: cause.recordedAt,
            }
          : { kind: 'sale', reason: `paid checkout ${checkoutSessionId}`, occurredAt: paidAt ?? cause.occurredAt },
    },
    {
      kinds: ['refund'],
      targetPairs: -target.refundedPairs,
      describe: (delta) => ({
        kind: 'refund',
        reason:
          delta < 0
            ? `refunded ${refundedMinor} of ${amountTotalMinor} ${currency} in total`
            : `refund failed or was cancelled: ${delta} pairs restored`,
        occurredAt: cause.occurredAt,
      }),
    },
    {
      kinds: ['dispute_lost', 'dispute_won'],
      targetPairs: -target.disputedPairs,
      describe: (delta) =>
        delta < 0
          ? { kind: 'dispute_lost', reason: 'dispute lost: the payment was taken back', occurredAt: cause.occurredAt }
          : {
              kind: 'dispute_won',
              reason: 'dispute decided for the shop: pairs restored',
              occurredAt: cause.occurredAt,
            },
    },
  ];
}

/**
 * An order whose buyer became known after it had entries (a session first seen without an email)
 * credits no one with them. This moves each such sum to the buyer with a pair of adjustments at
 * the same time, one taking it back and one crediting it: every kind's sums, every month's sums
 * and the count of sales stay as they were, while the supporter's totals and monthly email now
 * count the order in the months it was funded.
 */
function reattributionEntries(
  tx: Db,
  orderId: number,
  supporterId: number | null,
  current: OrderLedgerSums[],
  cause: ReconcileCause,
): NewLedgerEntry[] {
  if (supporterId == null) return [];
  const isMisattributed = current.some(
    (row) => row.supporterId !== supporterId && (row.pairs !== 0 || row.trapWeeks !== 0 || row.donationMinor !== 0),
  );
  if (!isMisattributed) return [];
  return findMisattributedEntries(tx, orderId, supporterId).flatMap(
    ({ supporterId: from, currency, occurredAt, pairs, trapWeeks, donationMinor }) => {
      const common = {
        kind: 'adjustment' as const,
        orderId,
        currency,
        occurredAt,
        recordedAt: cause.recordedAt,
        eventId: cause.eventId,
      };
      const fromLabel = from == null ? 'entries that credited no one' : `supporter ${from}`;
      return [
        {
          ...common,
          supporterId: from,
          pairs: -pairs,
          trapWeeks: -trapWeeks,
          donationMinor: -donationMinor,
          reason: `buyer named later: taken from ${fromLabel}`,
        },
        {
          ...common,
          supporterId,
          pairs,
          trapWeeks,
          donationMinor,
          reason: `buyer named later: credited to the buyer, supporter ${supporterId}`,
        },
      ];
    },
  );
}

function differenceEntry(
  component: Component,
  current: ReturnType<typeof sumOrderLedger>,
  rule: ConversionRule,
  currency: string,
) {
  const have = current.filter((row) => component.kinds.includes(row.kind));
  const sum = (pick: (row: (typeof have)[number]) => number) => have.reduce((total, row) => total + pick(row), 0);
  const want = valueOfPairs(component.targetPairs, rule.trapWeeksPerPair, rule.donationPerPairMinor[currency]);
  const delta = {
    pairs: want.pairs - sum((r) => r.pairs),
    trapWeeks: want.trapWeeks - sum((r) => r.trapWeeks),
    donationMinor: want.donationMinor - sum((r) => r.donationMinor),
  };
  if (delta.pairs === 0 && delta.trapWeeks === 0 && delta.donationMinor === 0) return null;
  return { ...component.describe(delta.pairs, have.length > 0), ...delta, currency };
}

function signed(n: number): string {
  return n > 0 ? `+${n}` : String(n);
}
