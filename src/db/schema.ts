import { sql } from 'drizzle-orm';
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

/** Times are epoch milliseconds unless the column name says otherwise (`…On` is a YYYY-MM-DD day). */

export const stripeEvents = sqliteTable(
  'stripe_events',
  {
    id: text('id').primaryKey(),
    type: text('type').notNull(),
    apiVersion: text('api_version'),
    livemode: integer('livemode', { mode: 'boolean' }).notNull().default(false),
    /** Stripe's `event.created`, in seconds: orders competing states of one object. */
    stripeCreated: integer('stripe_created').notNull(),
    payload: text('payload').notNull(),
    /** pending → processed | ignored | retrying → failed; staff can replay any of them. */
    status: text('status', { enum: ['pending', 'processed', 'ignored', 'retrying', 'failed'] })
      .notNull()
      .default('pending'),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: integer('next_attempt_at').notNull(),
    lastError: text('last_error'),
    receivedAt: integer('received_at').notNull(),
    processedAt: integer('processed_at'),
  },
  (t) => [index('stripe_events_ready').on(t.status, t.nextAttemptAt)],
);

export const supporters = sqliteTable('supporters', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  email: text('email').notNull().unique(),
  name: text('name'),
  token: text('token').notNull().unique(),
  isSubscribed: integer('is_subscribed', { mode: 'boolean' }).notNull().default(true),
  isDeliverable: integer('is_deliverable', { mode: 'boolean' }).notNull().default(true),
  createdAt: integer('created_at').notNull(),
});

export const conversionRules = sqliteTable('conversion_rules', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  effectiveOn: text('effective_on').notNull().unique(),
  trapWeeksPerPair: integer('trap_weeks_per_pair').notNull(),
  createdAt: integer('created_at').notNull(),
});

export const conversionRates = sqliteTable(
  'conversion_rates',
  {
    ruleId: integer('rule_id')
      .notNull()
      .references(() => conversionRules.id),
    currency: text('currency').notNull(),
    donationPerPairMinor: integer('donation_per_pair_minor').notNull(),
  },
  (t) => [primaryKey({ columns: [t.ruleId, t.currency] })],
);

export const products = sqliteTable('products', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  stripePriceId: text('stripe_price_id').unique(),
  stripeProductId: text('stripe_product_id').unique(),
  name: text('name').notNull(),
  pairsPerUnit: integer('pairs_per_unit').notNull(),
  updatedAt: integer('updated_at').notNull(),
});

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
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [index('orders_payment_intent').on(t.paymentIntentId), index('orders_supporter').on(t.supporterId)],
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
  (t) => [uniqueIndex('order_lines_item').on(t.orderId, t.stripeLineItemId), index('order_lines_price').on(t.stripePriceId)],
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

export const refunds = sqliteTable(
  'refunds',
  {
    id: text('id').primaryKey(),
    paymentIntentId: text('payment_intent_id'),
    chargeId: text('charge_id'),
    amountMinor: integer('amount_minor').notNull(),
    status: text('status').notNull(),
    stripeCreated: integer('stripe_created').notNull(),
  },
  (t) => [index('refunds_payment_intent').on(t.paymentIntentId)],
);

export const disputes = sqliteTable(
  'disputes',
  {
    id: text('id').primaryKey(),
    paymentIntentId: text('payment_intent_id'),
    chargeId: text('charge_id'),
    amountMinor: integer('amount_minor').notNull(),
    status: text('status').notNull(),
    stripeCreated: integer('stripe_created').notNull(),
  },
  (t) => [index('disputes_payment_intent').on(t.paymentIntentId)],
);

export const ledgerEntries = sqliteTable(
  'ledger_entries',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    kind: text('kind', {
      enum: ['sale', 'refund', 'dispute_lost', 'dispute_won', 'adjustment', 'donation_paid'],
    }).notNull(),
    orderId: integer('order_id').references(() => orders.id),
    supporterId: integer('supporter_id').references(() => supporters.id),
    pairs: integer('pairs').notNull(),
    trapWeeks: integer('trap_weeks').notNull(),
    donationMinor: integer('donation_minor').notNull(),
    currency: text('currency').notNull(),
    /** When it happened for accounting (payment date for a sale); `recordedAt` is when we learned it. */
    occurredAt: integer('occurred_at').notNull(),
    recordedAt: integer('recorded_at').notNull(),
    reason: text('reason').notNull(),
    eventId: text('event_id'),
  },
  (t) => [
    index('ledger_order').on(t.orderId),
    index('ledger_supporter').on(t.supporterId),
    index('ledger_occurred').on(t.occurredAt),
  ],
);

/** Running sums of the ledger, kept in the same transaction as every append so reads stay O(1). */
export const ledgerTotals = sqliteTable('ledger_totals', {
  scope: text('scope').primaryKey(),
  pairs: integer('pairs').notNull().default(0),
  trapWeeks: integer('trap_weeks').notNull().default(0),
  supporters: integer('supporters').notNull().default(0),
});

export const supporterTotals = sqliteTable('supporter_totals', {
  supporterId: integer('supporter_id')
    .primaryKey()
    .references(() => supporters.id),
  pairs: integer('pairs').notNull().default(0),
  trapWeeks: integer('trap_weeks').notNull().default(0),
});

export const censuses = sqliteTable('censuses', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  countedOn: text('counted_on').notNull(),
  adults: integer('adults').notNull(),
  adolescents: integer('adolescents').notNull(),
  cubs: integer('cubs').notNull(),
  source: text('source').notNull(),
  note: text('note'),
  publishedAt: integer('published_at'),
  createdAt: integer('created_at').notNull().default(sql`(unixepoch() * 1000)`),
});
