import { sql } from 'drizzle-orm';
import { index, integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { orders } from './orders.js';
import { supporters } from './supporters.js';

/**
 * The append-only ledger, and the sums kept from it. Every kept sum is moved by a trigger declared
 * in running-sums.ts, next to this file: whoever appends an entry, the sums move with it.
 */

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
    /**
     * Booked after the month it occurred in had closed: in a later month than it occurred. The one
     * place this rule is written; the month sums, the month's pages and both CSVs all read it.
     */
    isLate: integer('is_late', { mode: 'boolean' })
      .notNull()
      .generatedAlwaysAs(sql`period > strftime('%Y-%m', occurred_at / 1000, 'unixepoch')`, { mode: 'virtual' }),
  },
  (t) => [
    index('ledger_order').on(t.orderId),
    // A supporter's entries side by side: the monthly email's per-supporter sums read them through it.
    index('ledger_supporter').on(t.supporterId, t.orderId, t.kind, t.pairs, t.trapWeeks),
    index('ledger_occurred').on(t.occurredAt),
    index('ledger_period').on(t.period),
  ],
);

/** The public totals of the ledger, one row (scope `all`), so reads stay O(1). */
export const ledgerTotals = sqliteTable('ledger_totals', {
  scope: text('scope').primaryKey(),
  pairs: integer('pairs').notNull().default(0),
  trapWeeks: integer('trap_weeks').notNull().default(0),
  supporters: integer('supporters').notNull().default(0),
});

/** Each supporter's net pairs and trap-weeks, for their page and the count of supporters with impact. */
export const supporterTotals = sqliteTable('supporter_totals', {
  supporterId: integer('supporter_id')
    .primaryKey()
    .references(() => supporters.id),
  pairs: integer('pairs').notNull().default(0),
  trapWeeks: integer('trap_weeks').notNull().default(0),
});

/** Ledger sums per month, currency, kind and lateness, so month pages stay O(months). */
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

/**
 * Ledger sums per week and kind, so the dashboard's year of weeks reads about a hundred rows. The
 * week is the ISO week (Monday 00:00 UTC onwards) of `occurredAt`, the timestamp the accounting
 * month is taken from; unlike the month, a week is never moved by closing, so a late refund counts
 * in the week it happened. `week` is that Monday as YYYY-MM-DD.
 */
export const ledgerWeekSums = sqliteTable(
  'ledger_week_sums',
  {
    week: text('week').notNull(),
    kind: text('kind').notNull(),
    entries: integer('entries').notNull(),
    pairs: integer('pairs').notNull(),
    trapWeeks: integer('trap_weeks').notNull(),
  },
  (t) => [primaryKey({ columns: [t.week, t.kind] })],
);

/**
 * Orders whose net trap-weeks moved since the camera-week allocator last looked at them, put here
 * by a trigger on the ledger (src/db/running-sums.ts): the allocator's work list.
 */
export const trapWeekChanges = sqliteTable('trap_week_changes', {
  orderId: integer('order_id')
    .primaryKey()
    .references(() => orders.id),
});
