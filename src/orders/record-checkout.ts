import { eq, sql } from 'drizzle-orm';
import { paramsFor, placeholdersFor, prepared, type Db } from '../db/client.js';
import { orderLines, orders } from '../db/schema/index.js';
import { resolvePairsPerUnit } from '../products/products.queries.js';
import { findOrCreateSupporter } from '../supporters/supporters.queries.js';
import { findOrderBySession, laterStatus, type OrderStatus } from './orders.queries.js';
import { reconcileOrder, type ReconcileCause } from './reconcile-order.js';

export interface LineInput {
  lineItemId: string;
  priceId: string | null;
  productId: string | null;
  description: string | null;
  quantity: number;
  amountTotalMinor: number;
  /** The Stripe product's `pairs` metadata, when the product was expanded and carries it. */
  metadataPairs: number | null;
}

export interface CheckoutInput {
  checkoutSessionId: string;
  paymentIntentId: string | null;
  status: OrderStatus;
  amountTotalMinor: number;
  currency: string;
  livemode: boolean;
  email: string | null;
  name: string | null;
  /**
   * When the buyer began the purchase (the session's `created`): what dates this evidence of who
   * they are, against an erasure (see findOrCreateSupporter). Absent: the event's own time.
   */
  startedAt?: number | null;
  /** Absent when the event did not carry them; required once the session is paid. */
  lines?: LineInput[];
}

export interface RecordCheckoutResult {
  orderId: number;
  /** True only for the delivery that first saw this order paid. */
  becamePaid: boolean;
  /** True only for the delivery that first named the buyer of an order recorded without one. */
  gainedSupporter: boolean;
  supporterId: number | null;
  status: OrderStatus;
}

const ORDER_FIELDS = [
  'checkoutSessionId',
  'paymentIntentId',
  'supporterId',
  'status',
  'amountTotalMinor',
  'currency',
  'livemode',
  'paidAt',
  'updatedAt',
] as const;
const updateOrder = (db: Db) =>
  db
    .update(orders)
    .set(paramsFor(orders, ORDER_FIELDS))
    .where(eq(orders.id, sql.placeholder('id')))
    .returning()
    .prepare();
const insertOrder = (db: Db) =>
  db
    .insert(orders)
    .values(placeholdersFor([...ORDER_FIELDS, 'createdAt']))
    .returning()
    .prepare();
const LINE_FIELDS = [
  'orderId',
  'stripeLineItemId',
  'stripePriceId',
  'stripeProductId',
  'description',
  'quantity',
  'pairsPerUnit',
  'amountTotalMinor',
] as const;
const insertLine = (db: Db) => db.insert(orderLines).values(placeholdersFor(LINE_FIELDS)).prepare();
const markHasLines = (db: Db) =>
  db
    .update(orders)
    .set({ hasLines: true })
    .where(eq(orders.id, sql.placeholder('id')))
    .prepare();

/**
 * Records what a checkout session event says, idempotently and in any order: the order's status
 * only moves forward, line items are stored once, and the ledger is brought up to date (including
 * refunds or disputes that arrived before the purchase).
 */
export function recordCheckout(tx: Db, input: CheckoutInput, cause: ReconcileCause): RecordCheckoutResult {
  const evidenceAt = Math.min(input.startedAt ?? cause.occurredAt, cause.occurredAt);
  const supporter = input.email
    ? findOrCreateSupporter(tx, input.email, input.name, cause.recordedAt, evidenceAt)
    : null;
  const existing = findOrderBySession(tx, input.checkoutSessionId);
  const status = existing ? laterStatus(existing.status, input.status) : input.status;
  const becamePaid = status === 'paid' && existing?.status !== 'paid';
  const values = {
    checkoutSessionId: input.checkoutSessionId,
    paymentIntentId: existing?.paymentIntentId ?? input.paymentIntentId,
    supporterId: existing?.supporterId ?? supporter?.id ?? null,
    status,
    amountTotalMinor: existing?.status === 'paid' ? existing.amountTotalMinor : input.amountTotalMinor,
    currency: input.currency,
    livemode: input.livemode,
    paidAt: existing?.paidAt ?? (status === 'paid' ? cause.occurredAt : null),
    updatedAt: cause.recordedAt,
  };
  const order = existing
    ? prepared(tx, updateOrder).get({ ...values, id: existing.id })!
    : prepared(tx, insertOrder).get({ ...values, createdAt: cause.recordedAt })!;

  if (input.lines && !order.hasLines) {
    for (const line of input.lines) {
      prepared(tx, insertLine).run({
        orderId: order.id,
        stripeLineItemId: line.lineItemId,
        stripePriceId: line.priceId,
        stripeProductId: line.productId,
        description: line.description,
        quantity: line.quantity,
        pairsPerUnit: resolvePairsPerUnit(tx, line.priceId, line.productId, line.metadataPairs),
        amountTotalMinor: line.amountTotalMinor,
      });
    }
    prepared(tx, markHasLines).run({ id: order.id });
  }
  reconcileOrder(tx, order.id, cause);
  const gainedSupporter = existing != null && existing.supporterId == null && order.supporterId != null;
  return { orderId: order.id, becamePaid, gainedSupporter, supporterId: order.supporterId, status: order.status };
}
