import type { Db } from '../db/client.js';
import { findOrderById, findOrderBySession } from '../orders/orders.queries.js';
import { recordCheckout, type CheckoutInput } from '../orders/record-checkout.js';
import { recordPaymentChange } from '../orders/record-payment-change.js';
import type { ReconcileCause } from '../orders/reconcile-order.js';
import type { LineItemSource } from './line-items.js';
import { toCheckoutInput, toPaymentChange } from './stripe-objects.js';
import { isSupporterErased } from '../supporters/supporters.queries.js';
import { forgetPersonalFieldsOfEvent } from './event-copies.queries.js';
import { BadEventError } from '../errors.js';

/**
 * One handler per event family. `prepare` may do network I/O (fetching line items) and must not
 * write; `apply` runs inside the processor's transaction, synchronously.
 */
export interface EventHandler {
  prepare(
    object: Record<string, unknown>,
    type: string,
    db: Db,
    lineItems: LineItemSource,
    hooks: ProcessingHooks,
  ): Promise<Prepared>;
}
export type Prepared = (tx: Db, cause: ReconcileCause) => void;

/** Follow-ups that must commit with what caused them, run inside the processor's transaction (synchronously). */
export interface ProcessingHooks {
  /**
   * An order has just been paid for the first time, or its buyer has just become known (the thank-you
   * email is queued here, once).
   */
  onOrderPaid?(tx: Db, orderId: number): void;
}

const checkoutHandler: EventHandler = {
  async prepare(object, type, db, lineItems, hooks) {
    const input: CheckoutInput = toCheckoutInput(object, type);
    const needsLines =
      input.status === 'paid' &&
      input.lines === undefined &&
      !findOrderBySession(db, input.checkoutSessionId)?.hasLines;
    if (needsLines) input.lines = await lineItems(input.checkoutSessionId);
    return (tx, cause) => {
      const recorded = recordCheckout(tx, input, cause);
      // A buyer named only later is thanked then, unless refunds or disputes have taken every pair back meanwhile.
      const isThankedLate =
        recorded.gainedSupporter && recorded.status === 'paid' && (findOrderById(tx, recorded.orderId)?.pairs ?? 0) > 0;
      if (recorded.becamePaid || isThankedLate) hooks.onOrderPaid?.(tx, recorded.orderId);
      forgetIfErased(tx, cause, [recorded.supporterId]);
    };
  },
};

const paymentChangeHandler: EventHandler = {
  async prepare(object, _type, _db, _lineItems) {
    return (tx, cause) => {
      const recorded = recordPaymentChange(tx, toPaymentChange(object, cause.occurredAt / 1000), cause);
      forgetIfErased(tx, cause, recorded.supporterIds);
    };
  },
};

/**
 * An event about an erased buyer's order (a late delivery, a refund after the erasure) keeps its
 * amounts and ids like any other, but not their personal details: the stored copy loses them as
 * soon as it has been applied.
 */
function forgetIfErased(tx: Db, cause: ReconcileCause, supporterIds: (number | null)[]): void {
  if (cause.eventId && supporterIds.some((id) => id !== null && isSupporterErased(tx, id)))
    forgetPersonalFieldsOfEvent(tx, cause.eventId);
}

const HANDLERS: Record<string, EventHandler> = {
  'checkout.session.completed': checkoutHandler,
  'checkout.session.async_payment_succeeded': checkoutHandler,
  'checkout.session.async_payment_failed': checkoutHandler,
  'checkout.session.expired': checkoutHandler,
  'charge.succeeded': paymentChangeHandler,
  'charge.captured': paymentChangeHandler,
  'charge.updated': paymentChangeHandler,
  'charge.refunded': paymentChangeHandler,
  'refund.created': paymentChangeHandler,
  'refund.updated': paymentChangeHandler,
  'refund.failed': paymentChangeHandler,
  'charge.refund.updated': paymentChangeHandler,
  'charge.dispute.created': paymentChangeHandler,
  'charge.dispute.updated': paymentChangeHandler,
  'charge.dispute.closed': paymentChangeHandler,
  'charge.dispute.funds_withdrawn': paymentChangeHandler,
  'charge.dispute.funds_reinstated': paymentChangeHandler,
};

/** The event types processing uses: the ones the catch-up lists from the Events API. */
export function handledEventTypes(): string[] {
  return Object.keys(HANDLERS);
}

export function handlerFor(type: string): EventHandler | undefined {
  return HANDLERS[type];
}

export function dataObjectOf(payload: string): Record<string, unknown> {
  const event = JSON.parse(payload) as { data?: { object?: unknown } };
  const object = event.data?.object;
  if (!object || typeof object !== 'object') throw new BadEventError('malformed_event', 'event has no data.object');
  return object as Record<string, unknown>;
}
