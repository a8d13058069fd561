import type { Db } from '../db/client.js';
import { findOrdersByPaymentIntent } from './orders.queries.js';
import {
  paymentIntentOfCharge,
  saveChargeState,
  saveDisputeState,
  saveRefundState,
  type ChargeState,
  type DisputeState,
  type RefundState,
} from './payments.queries.js';
import { reconcileOrder, type ReconcileCause } from './reconcile-order.js';

export type PaymentChange =
  | { object: 'charge'; state: ChargeState }
  | { object: 'refund'; state: RefundState }
  | { object: 'dispute'; state: DisputeState };

/**
 * Keeps the newest state of a charge, refund or dispute and re-reconciles the orders it belongs
 * to. When the purchase has not arrived yet, the state waits and is applied when it does.
 */
export function recordPaymentChange(
  tx: Db,
  change: PaymentChange,
  cause: ReconcileCause,
): { ordersAffected: number; supporterIds: number[] } {
  const state = { ...change.state };
  if (!state.paymentIntentId && 'chargeId' in state && state.chargeId)
    state.paymentIntentId = paymentIntentOfCharge(tx, state.chargeId);
  if (change.object === 'charge') saveChargeState(tx, state as ChargeState);
  else if (change.object === 'refund') saveRefundState(tx, state as RefundState);
  else saveDisputeState(tx, state as DisputeState);

  if (!state.paymentIntentId) return { ordersAffected: 0, supporterIds: [] };
  const affected = findOrdersByPaymentIntent(tx, state.paymentIntentId);
  for (const order of affected) reconcileOrder(tx, order.id, cause);
  return {
    ordersAffected: affected.length,
    supporterIds: affected.flatMap((order) => (order.supporterId === null ? [] : [order.supporterId])),
  };
}
