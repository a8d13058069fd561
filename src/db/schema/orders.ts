import { sql } from 'drizzle-orm';
import { conversionRules } from './catalog.js';
import { supporters } from './supporters.js';
import { index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

/** Purchases as Stripe describes them: checkout sessions, their line items, and the payments' later fate. */

export const orders = sqliteTable(
  'orders',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    checkoutSessionId: text('checkout_session_id').notNull().unique(),
    paymentIntentId: text('payment_intent_id'),
    supporterId: integer('supporter_id').references(() => supporters.id),
    /** open → unpaid → paid; expired or failed only while never paid. */
    status: text('status', { enum: ['open', 'unpaid', 'paid', 'expired', 'failed'] }).notNull(),
    amountTotalMinor: integer('amount_total_minor').notNull(),
    currency: text('currency').notNull(),
    livemode: integer('livemode', { mode: 'boolean' }).notNull().default(false),
    paidAt: integer('paid_at'),
    ruleId: integer('rule_id').references(() => conversionRules.id),
    hasLines: integer('has_lines', { mode: 'boolean' }).notNull().default(false),
    isDonationRateMissing: integer('is_donation_rate_missing', { mode: 'boolean' }).notNull().default(false),
    // The order's ledger entries summed, moved by a trigger on every entry booked to the order
    // (order_figures_add, migration 0008): the shopper's page reads them instead of summing the ledger.
    /** Net pairs and trap-weeks the order funds now. */
    pairs: integer('pairs').notNull().default(0),
    trapWeeks: integer('trap_weeks').notNull().default(0),
    /** Pairs sold (sales and adjustments), refunded, and reversed by disputes: the last two counted positive. */
    soldPairs: integer('sold_pairs').notNull().default(0),
    refundedPairs: integer('refunded_pairs').notNull().default(0),
    reversedPairs: integer('reversed_pairs').notNull().default(0),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [
    index('orders_payment_intent').on(t.paymentIntentId),
    // Covers a shopper's order list with its figures (src/supporters/supporter-impact.ts): their
    // orders sit together in the index, so the page reads a page or two and no ledger at all.
    index('orders_supporter').on(
      t.supporterId,
      t.paidAt,
      t.id,
      t.status,
      t.checkoutSessionId,
      t.paymentIntentId,
      t.pairs,
      t.trapWeeks,
      t.soldPairs,
      t.refundedPairs,
      t.reversedPairs,
    ),
    index('orders_paid_at').on(t.paidAt),
    // The console's order list: one index per sort (created, paid, amount), alone and after a
    // status, so every page of every sort and status filter is an index walk (the id is the tiebreak).
    index('orders_created_at').on(t.createdAt),
    index('orders_amount').on(t.amountTotalMinor),
    index('orders_status_created_at').on(t.status, t.createdAt),
    index('orders_status_paid_at').on(t.status, t.paidAt),
    index('orders_status_amount').on(t.status, t.amountTotalMinor),
    index('orders_rate_missing')
      .on(t.currency)
      .where(sql`${t.isDonationRateMissing} = 1`),
  ],
);

export const orderLines = sqliteTable(
  'order_lines',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    orderId: integer('order_id')
      .notNull()
      .references(() => orders.id),
    stripeLineItemId: text('stripe_line_item_id').notNull(),
    stripePriceId: text('stripe_price_id'),
    stripeProductId: text('stripe_product_id'),
    description: text('description'),
    quantity: integer('quantity').notNull(),
    /** From the catalog or Stripe product metadata; null means unmapped: funds nothing yet. */
    pairsPerUnit: integer('pairs_per_unit'),
    amountTotalMinor: integer('amount_total_minor').notNull(),
  },
  (t) => [
    uniqueIndex('order_lines_item').on(t.orderId, t.stripeLineItemId),
    index('order_lines_price').on(t.stripePriceId),
    index('order_lines_product').on(t.stripeProductId),
    index('order_lines_unmapped')
      .on(t.orderId)
      .where(sql`${t.pairsPerUnit} is null`),
  ],
);

/** Latest known state of a charge; `amountRefundedMinor` is Stripe's cumulative figure. */
export const charges = sqliteTable(
  'charges',
  {
    id: text('id').primaryKey(),
    paymentIntentId: text('payment_intent_id'),
    amountMinor: integer('amount_minor').notNull(),
    amountRefundedMinor: integer('amount_refunded_minor').notNull(),
    currency: text('currency').notNull(),
    stripeCreated: integer('stripe_created').notNull(),
  },
  (t) => [index('charges_payment_intent').on(t.paymentIntentId)],
);

/** Refunds and disputes: the latest known status of each, linked to its payment by intent or charge. */
const paymentChildColumns = () => ({
  id: text('id').primaryKey(),
  paymentIntentId: text('payment_intent_id'),
  chargeId: text('charge_id'),
  amountMinor: integer('amount_minor').notNull(),
  status: text('status').notNull(),
  stripeCreated: integer('stripe_created').notNull(),
});

export const refunds = sqliteTable('refunds', paymentChildColumns(), (t) => [
  index('refunds_payment_intent').on(t.paymentIntentId),
]);

export const disputes = sqliteTable('disputes', paymentChildColumns(), (t) => [
  index('disputes_payment_intent').on(t.paymentIntentId),
]);
