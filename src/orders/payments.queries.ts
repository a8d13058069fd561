import { and, eq, inArray, sql } from 'drizzle-orm';
import { placeholdersFor, prepared, type Db } from '../db/client.js';
import { charges, disputes, refunds } from '../db/schema/index.js';

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

export function saveChargeState(tx: Db, state: ChargeState): void {
  const existing = prepared(tx, chargeById).get({ id: state.id });
  if (!existing) {
    prepared(tx, insertCharge).run(state);
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

export function saveRefundState(tx: Db, state: RefundState): void {
  saveStaged(tx, refunds, state, (status) => REFUND_STAGE[status] ?? 0, byId.refunds, insertChild.refunds);
}

export function saveDisputeState(tx: Db, state: DisputeState): void {
  saveStaged(tx, disputes, state, (status) => DISPUTE_STAGE[status] ?? 0, byId.disputes, insertChild.disputes);
}

type PaymentChild = typeof refunds | typeof disputes;
const childById = (table: PaymentChild) => (db: Db) =>
  db
    .select()
    .from(table)
    .where(eq(table.id, sql.placeholder('id')))
    .prepare();
const insertChildOf = (table: PaymentChild) => (db: Db) =>
  db.insert(table).values(placeholdersFor(CHILD_FIELDS)).prepare();
const CHILD_FIELDS = ['id', 'paymentIntentId', 'chargeId', 'amountMinor', 'status', 'stripeCreated'] as const;
const CHARGE_FIELDS = [
  'id',
  'paymentIntentId',
  'amountMinor',
  'amountRefundedMinor',
  'currency',
  'stripeCreated',
] as const;
// One builder per table, made once: `prepared` keys its cache by the builder.
const byId = { refunds: childById(refunds), disputes: childById(disputes) };
const insertChild = { refunds: insertChildOf(refunds), disputes: insertChildOf(disputes) };
const chargeById = (db: Db) =>
  db
    .select()
    .from(charges)
    .where(eq(charges.id, sql.placeholder('id')))
    .prepare();
const insertCharge = (db: Db) => db.insert(charges).values(placeholdersFor(CHARGE_FIELDS)).prepare();

function saveStaged(
  tx: Db,
  table: PaymentChild,
  state: RefundState | DisputeState,
  stage: (status: string) => number,
  findById: ReturnType<typeof childById>,
  insert: ReturnType<typeof insertChildOf>,
): void {
  const existing = prepared(tx, findById).get({ id: state.id });
  if (!existing) {
    prepared(tx, insert).run({
      ...state,
      paymentIntentId: state.paymentIntentId ?? null,
      chargeId: state.chargeId ?? null,
    });
    return;
  }
  const isFurther =
    stage(state.status) > stage(existing.status) ||
    (stage(state.status) === stage(existing.status) && state.stripeCreated >= existing.stripeCreated);
  const links = {
    paymentIntentId: existing.paymentIntentId ?? state.paymentIntentId,
    chargeId: existing.chargeId ?? state.chargeId,
  };
  tx.update(table)
    .set(isFurther ? { ...state, ...links } : links)
    .where(eq(table.id, state.id))
    .run();
}

/** The payment intent a charge belongs to, when we have seen the charge. */
export function paymentIntentOfCharge(tx: Db, chargeId: string): string | null {
  return tx.select({ pi: charges.paymentIntentId }).from(charges).where(eq(charges.id, chargeId)).get()?.pi ?? null;
}

/**
 * Amount refunded on a payment. A charge's cumulative `amount_refunded` is Stripe's own figure;
 * a refund that failed or was cancelled after that snapshot is given back. Individual refund objects
 * count too, for accounts that only send refund events.
 */
export function refundedMinorFor(tx: Db, paymentIntentId: string): number {
  const chargeRows = prepared(tx, chargesOfPayment).all({ paymentIntentId });
  const refundRows = prepared(tx, refundsOfPayment).all({ paymentIntentId });
  let fromCharges = 0;
  for (const charge of chargeRows) {
    const failedSince = refundRows
      .filter(
        (r) =>
          r.chargeId === charge.id && INACTIVE_REFUND.includes(r.status) && r.stripeCreated >= charge.stripeCreated,
      )
      .reduce((sum, r) => sum + r.amountMinor, 0);
    fromCharges += Math.max(0, charge.amountRefundedMinor - failedSince);
  }
  const fromRefunds = refundRows
    .filter((r) => !INACTIVE_REFUND.includes(r.status))
    .reduce((sum, r) => sum + r.amountMinor, 0);
  return Math.max(fromCharges, fromRefunds);
}

/** Amount of the payment's disputes that were lost. */
export function disputeLostMinorFor(tx: Db, paymentIntentId: string): number {
  return prepared(tx, disputesLost).get({ paymentIntentId })?.total ?? 0;
}

const chargesOfPayment = (db: Db) =>
  db
    .select()
    .from(charges)
    .where(eq(charges.paymentIntentId, sql.placeholder('paymentIntentId')))
    .prepare();
const refundsOfPayment = (db: Db) =>
  db
    .select()
    .from(refunds)
    .where(eq(refunds.paymentIntentId, sql.placeholder('paymentIntentId')))
    .prepare();
const disputesLost = (db: Db) =>
  db
    .select({ total: sql<number>`coalesce(sum(${disputes.amountMinor}), 0)` })
    .from(disputes)
    .where(and(eq(disputes.paymentIntentId, sql.placeholder('paymentIntentId')), inArray(disputes.status, ['lost'])))
    .prepare();
