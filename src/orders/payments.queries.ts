import { and, eq, inArray, sql } from 'drizzle-orm';
import type { DbOrTx } from '../db/client.js';
import { charges, disputes, refunds } from '../db/schema.js';
import { prepared } from '../db/prepared.js';

/**
 * Latest-known state of charges, refunds and disputes, kept apart from orders so that one which
 * arrives before its purchase waits here and applies when the purchase is recorded.
 * Stripe may deliver events in any order, so a state only replaces another when it is further along
 * (a final status beats an interim one) or, at the same stage, newer by Stripe's `created` time.
 */

export type ChargeState = typeof charges.$inferInsert;
export type RefundState = typeof refunds.$inferInsert;
export type DisputeState = typeof disputes.$inferInsert;

const REFUND_STAGE: Record<string, number> = { pending: 0, requires_action: 0, succeeded: 1, failed: 2, canceled: 2 };
const DISPUTE_STAGE: Record<string, number> = { warning_closed: 1, won: 2, lost: 2, prevented: 2 };
const INACTIVE_REFUND = ['failed', 'canceled'];

export function saveChargeState(tx: DbOrTx, state: ChargeState): void {
  const existing = tx.select().from(charges).where(eq(charges.id, state.id)).get();
  if (!existing) {
    tx.insert(charges).values(state).run();
    return;
  }
  const isNewer =
    state.stripeCreated > existing.stripeCreated ||
    (state.stripeCreated === existing.stripeCreated && state.amountRefundedMinor > existing.amountRefundedMinor);
  const paymentIntentId = existing.paymentIntentId ?? state.paymentIntentId;
  tx.update(charges)
    .set(isNewer ? { ...state, paymentIntentId } : { paymentIntentId })
    .where(eq(charges.id, state.id))
    .run();
}

export function saveRefundState(tx: DbOrTx, state: RefundState): void {
  saveStaged(tx, refunds, state, (status) => REFUND_STAGE[status] ?? 0);
}

export function saveDisputeState(tx: DbOrTx, state: DisputeState): void {
  saveStaged(tx, disputes, state, (status) => DISPUTE_STAGE[status] ?? 0);
}

function saveStaged(tx: DbOrTx, table: typeof refunds | typeof disputes, state: RefundState | DisputeState, stage: (status: string) => number): void {
  const existing = tx.select().from(table).where(eq(table.id, state.id)).get();
  if (!existing) {
    tx.insert(table).values(state).run();
    return;
  }
  const isFurther = stage(state.status) > stage(existing.status) || (stage(state.status) === stage(existing.status) && state.stripeCreated >= existing.stripeCreated);
  const links = { paymentIntentId: existing.paymentIntentId ?? state.paymentIntentId, chargeId: existing.chargeId ?? state.chargeId };
  tx.update(table)
    .set(isFurther ? { ...state, ...links } : links)
    .where(eq(table.id, state.id))
    .run();
}

/** The payment intent a charge belongs to, when we have seen the charge. */
export function paymentIntentOfCharge(tx: DbOrTx, chargeId: string): string | null {
  return tx.select({ pi: charges.paymentIntentId }).from(charges).where(eq(charges.id, chargeId)).get()?.pi ?? null;
}

/**
 * Amount refunded on a payment. A charge's cumulative `amount_refunded` is Stripe's own figure;
 * a refund that failed or was cancelled after that snapshot is given back. Individual refund objects
 * count too, for accounts that only send refund events.
 */
export function refundedMinorFor(tx: DbOrTx, paymentIntentId: string): number {
  const chargeRows = prepared(tx, chargesOfPayment).all({ paymentIntentId });
  const refundRows = prepared(tx, refundsOfPayment).all({ paymentIntentId });
  let fromCharges = 0;
  for (const charge of chargeRows) {
    const failedSince = refundRows
      .filter((r) => r.chargeId === charge.id && INACTIVE_REFUND.includes(r.status) && r.stripeCreated >= charge.stripeCreated)
      .reduce((sum, r) => sum + r.amountMinor, 0);
    fromCharges += Math.max(0, charge.amountRefundedMinor - failedSince);
  }
  const fromRefunds = refundRows.filter((r) => !INACTIVE_REFUND.includes(r.status)).reduce((sum, r) => sum + r.amountMinor, 0);
  return Math.max(fromCharges, fromRefunds);
}

/** Amount of the payment's disputes that were lost. */
export function disputeLostMinorFor(tx: DbOrTx, paymentIntentId: string): number {
  return prepared(tx, disputesLost).get({ paymentIntentId })?.total ?? 0;
}

const chargesOfPayment = (db: DbOrTx) => db.select().from(charges).where(eq(charges.paymentIntentId, sql.placeholder('paymentIntentId'))).prepare();
const refundsOfPayment = (db: DbOrTx) => db.select().from(refunds).where(eq(refunds.paymentIntentId, sql.placeholder('paymentIntentId'))).prepare();
const disputesLost = (db: DbOrTx) =>
  db
    .select({ total: sql<number>`coalesce(sum(${disputes.amountMinor}), 0)` })
    .from(disputes)
    .where(and(eq(disputes.paymentIntentId, sql.placeholder('paymentIntentId')), inArray(disputes.status, ['lost'])))
    .prepare();
