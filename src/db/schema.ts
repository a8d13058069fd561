import { sql } from 'drizzle-orm';
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { packedText } from './packed-text.js';

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
  (t) => [
    index('stripe_events_ready').on(t.status, t.nextAttemptAt),
    // The staff console finds the events behind an order by the ids inside their payloads.
    index('stripe_events_object').on(sql`json_extract(${t.payload}, '$.data.object.id')`),
    index('stripe_events_payment_intent').on(sql`json_extract(${t.payload}, '$.data.object.payment_intent')`),
  ],
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

/**
 * Links a supporter has replaced. An old token opens nothing any more, except the one thing an old
 * email must always be able to do: unsubscribe (RFC 8058 links stay in inboxes for years).
 */
export const retiredTokens = sqliteTable('retired_tokens', {
  token: text('token').primaryKey(),
  supporterId: integer('supporter_id')
    .notNull()
    .references(() => supporters.id),
  retiredAt: integer('retired_at').notNull(),
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
      t.supporterId, t.paidAt, t.id, t.status, t.checkoutSessionId, t.paymentIntentId,
      t.pairs, t.trapWeeks, t.soldPairs, t.refundedPairs, t.reversedPairs,
    ),
    index('orders_paid_at').on(t.paidAt),
    index('orders_rate_missing').on(t.currency).where(sql`${t.isDonationRateMissing} = 1`),
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
    index('order_lines_unmapped').on(t.orderId).where(sql`${t.pairsPerUnit} is null`),
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

export const refunds = sqliteTable('refunds', paymentChildColumns(), (t) => [index('refunds_payment_intent').on(t.paymentIntentId)]);

export const disputes = sqliteTable('disputes', paymentChildColumns(), (t) => [index('disputes_payment_intent').on(t.paymentIntentId)]);

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
    /**
     * Accounting month (YYYY-MM, UTC) the entry is booked in: the month of `occurredAt`, or the first
     * open month when that one is closed (a late refund). Set once at append; see src/reconciliation.
     */
    period: text('period').notNull(),
  },
  (t) => [
    index('ledger_order').on(t.orderId),
    // A supporter's entries side by side: the monthly email's per-supporter sums read them through it.
    index('ledger_supporter').on(t.supporterId, t.orderId, t.kind, t.pairs, t.trapWeeks),
    index('ledger_occurred').on(t.occurredAt),
    index('ledger_period').on(t.period),
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
  /** False for a head count only (the founding estimate, say): the total is in `adults`, and adolescents and cubs were not recorded. */
  hasBreakdown: integer('has_breakdown', { mode: 'boolean' }).notNull().default(true),
  source: text('source').notNull(),
  note: text('note'),
  publishedAt: integer('published_at'),
  createdAt: integer('created_at').notNull().default(sql`(unixepoch() * 1000)`),
});

/** Staff console accounts. `admin` also manages accounts and settings; `staff` does everything else. */
export const staff = sqliteTable('staff', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  email: text('email').notNull().unique(),
  name: text('name'),
  role: text('role', { enum: ['admin', 'staff'] }).notNull(),
  /** scrypt, self-describing: `scrypt$N$r$p$salt$hash`. */
  passwordHash: text('password_hash').notNull(),
  isActive: integer('is_active', { mode: 'boolean' }).notNull().default(true),
  /** Failed sign-ins since the member last signed in: told to them at their next sign-in, then reset. */
  failedSignIns: integer('failed_sign_ins').notNull().default(0),
  lastFailedSignInAt: integer('last_failed_sign_in_at'),
  /** The client address of the latest failure, as the request came (an IPv6 address in full). */
  lastFailedSignInFrom: text('last_failed_sign_in_from'),
  createdAt: integer('created_at').notNull(),
  updatedAt: integer('updated_at').notNull(),
});

/** What a staff member is told at sign-in about failed attempts on their account since they last signed in. */
export interface FailedSignIns {
  count: number;
  lastAt: number;
  lastFrom: string | null;
}

/** Signed-in staff sessions. Keyed by a hash of the cookie's id, so a copy of this table opens nothing. */
export const staffSessions = sqliteTable(
  'staff_sessions',
  {
    idHash: text('id_hash').primaryKey(),
    staffId: integer('staff_id')
      .notNull()
      .references(() => staff.id),
    createdAt: integer('created_at').notNull(),
    lastSeenAt: integer('last_seen_at').notNull(),
    /** The absolute limit; the idle limit counts from `lastSeenAt`. */
    expiresAt: integer('expires_at').notNull(),
    /** Failed sign-ins the member had not been told of, shown on every page of the session until dismissed. */
    signInNotice: text('sign_in_notice', { mode: 'json' }).$type<FailedSignIns>(),
  },
  (t) => [index('staff_sessions_staff').on(t.staffId)],
);

/**
 * Sign-in attempts that did not succeed, by `pair:<email>|<client>`, `client:<address>` and
 * `account:<email>`, counted over sliding windows (src/staff/login-throttle.ts). An attempt is a row
 * from the moment it starts; a success deletes its own rows.
 */
export const loginFailures = sqliteTable(
  'login_failures',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    key: text('key').notNull(),
    failedAt: integer('failed_at').notNull(),
  },
  (t) => [index('login_failures_key').on(t.key, t.failedAt), index('login_failures_at').on(t.failedAt)],
);

/** Every staff change: who, when, what, before and after (JSON). Triggers refuse updates and deletes. */
export const auditLog = sqliteTable('audit_log', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  at: integer('at').notNull(),
  /** Null for changes made from the command line. */
  staffId: integer('staff_id').references(() => staff.id),
  actor: text('actor').notNull(),
  action: text('action').notNull(),
  subject: text('subject').notNull(),
  before: text('before'),
  after: text('after'),
});

/** Closed accounting months. Months close in order, so the closed ones are always a prefix. */
export const monthCloses = sqliteTable('month_closes', {
  period: text('period').primaryKey(),
  closedAt: integer('closed_at').notNull(),
  closedByStaffId: integer('closed_by_staff_id').references(() => staff.id),
});

/** The balances signed off when a month closed, one row per currency. */
export const monthBalances = sqliteTable(
  'month_balances',
  {
    period: text('period')
      .notNull()
      .references(() => monthCloses.period),
    currency: text('currency').notNull(),
    openingMinor: integer('opening_minor').notNull(),
    accruedMinor: integer('accrued_minor').notNull(),
    reversedMinor: integer('reversed_minor').notNull(),
    paidMinor: integer('paid_minor').notNull(),
    closingMinor: integer('closing_minor').notNull(),
  },
  (t) => [primaryKey({ columns: [t.period, t.currency] })],
);

/** Ledger sums per month, currency and kind, kept by a trigger on every insert so month pages stay O(months). */
export const ledgerPeriodSums = sqliteTable(
  'ledger_period_sums',
  {
    period: text('period').notNull(),
    currency: text('currency').notNull(),
    kind: text('kind').notNull(),
    /** Booked after the month it occurred in had closed. */
    isLate: integer('is_late', { mode: 'boolean' }).notNull(),
    entries: integer('entries').notNull(),
    pairs: integer('pairs').notNull(),
    trapWeeks: integer('trap_weeks').notNull(),
    donationMinor: integer('donation_minor').notNull(),
  },
  (t) => [primaryKey({ columns: [t.period, t.currency, t.kind, t.isLate] })],
);

/** Donations paid to the charity; the money itself is a `donation_paid` ledger entry. */
export const donationPayments = sqliteTable('donation_payments', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  paidOn: text('paid_on').notNull(),
  amountMinor: integer('amount_minor').notNull(),
  currency: text('currency').notNull(),
  reference: text('reference').notNull(),
  note: text('note'),
  ledgerEntryId: integer('ledger_entry_id')
    .notNull()
    .references(() => ledgerEntries.id),
  recordedByStaffId: integer('recorded_by_staff_id').references(() => staff.id),
  recordedAt: integer('recorded_at').notNull(),
});

/** A payment recorded by mistake: voided by a reversing entry, never deleted. One void per payment. */
export const donationPaymentVoids = sqliteTable('donation_payment_voids', {
  paymentId: integer('payment_id')
    .primaryKey()
    .references(() => donationPayments.id),
  reason: text('reason').notNull(),
  ledgerEntryId: integer('ledger_entry_id')
    .notNull()
    .references(() => ledgerEntries.id),
  voidedByStaffId: integer('voided_by_staff_id').references(() => staff.id),
  voidedAt: integer('voided_at').notNull(),
});

/**
 * Monthly impact runs that went through every supporter (from the schedule or the command line).
 * A month with emails queued but no row here was stopped halfway: starting the app finishes it.
 */
export const monthlyRuns = sqliteTable('monthly_runs', {
  period: text('period').primaryKey(),
  completedAt: integer('completed_at').notNull(),
});

/**
 * Every email the app sends, rendered, before it is sent: the outbox. `idempotencyKey` makes
 * queueing the same email twice a no-op (`receipt:<checkout session>`, `monthly:<YYYY-MM>:<supporter>`,
 * `link:<supporter>:<request>`); `messageId` is fixed at queueing so a resend is recognisably the same mail.
 */
export const emailOutbox = sqliteTable(
  'email_outbox',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    kind: text('kind', { enum: ['receipt', 'monthly', 'impact_link'] }).notNull(),
    idempotencyKey: text('idempotency_key').notNull().unique(),
    supporterId: integer('supporter_id').references(() => supporters.id),
    recipient: text('recipient').notNull(),
    /** Display name for the To header, already stripped of control characters. */
    recipientName: text('recipient_name'),
    subject: text('subject').notNull(),
    textBody: text('text_body').notNull(),
    /** Stored packed (deflated against our templates, see packed-text.ts); read and written as text. */
    htmlBody: packedText('html_body').notNull(),
    /** Extra headers as a JSON object (List-Unsubscribe…), validated when queued. */
    headers: text('headers'),
    /** Unique by construction (a random UUID); not indexed, which keeps bulk queueing cheap. */
    messageId: text('message_id').notNull(),
    /** queued → sending → sent; failed (a retry is due at nextAttemptAt) → sending …; dead: given up. */
    state: text('state', { enum: ['queued', 'sending', 'sent', 'failed', 'dead'] })
      .notNull()
      .default('queued'),
    attempts: integer('attempts').notNull().default(0),
    /** Sends that may or may not have been delivered (a crash or a dropped connection after the body went out). */
    unknownOutcomes: integer('unknown_outcomes').notNull().default(0),
    nextAttemptAt: integer('next_attempt_at').notNull(),
    lastError: text('last_error'),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
    sentAt: integer('sent_at'),
    /** When the daily pruning (or `emails:prune`) emptied the text and HTML of this sent email; the row itself stays for good. */
    bodyPrunedAt: integer('body_pruned_at'),
  },
  (t) => [
    // Claims read due messages in order from this index alone; a plain index on state would make
    // SQLite sort every queued row (bodies and all) to find the first few.
    index('email_outbox_due').on(t.nextAttemptAt).where(sql`state in ('queued', 'failed')`),
    index('email_outbox_sending').on(t.id).where(sql`state = 'sending'`),
    // Sent emails whose text is still there, oldest first: the daily pruning reads only these,
    // never the bodies of the whole table.
    index('email_outbox_prunable').on(t.sentAt).where(sql`state = 'sent' and body_pruned_at is null`),
  ],
);

/** A short note from the field that staff can set for a month's impact email. */
export const fieldNotes = sqliteTable('field_notes', {
  period: text('period').primaryKey(),
  body: text('body').notNull(),
  updatedAt: integer('updated_at').notNull(),
});
