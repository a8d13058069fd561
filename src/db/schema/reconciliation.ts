import { ledgerEntries } from './ledger.js';
import { staff } from './staff.js';
import { integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/** Month-end: closed months and their signed-off balances, and donations paid to the charity. */

/** Closed accounting months. Months close in order, so the closed ones are always a prefix. */
export const monthCloses = sqliteTable('month_closes', {
  period: text('period').primaryKey(),
  closedAt: integer('closed_at').notNull(),
  closedByStaffId: integer('closed_by_staff_id').references(() => staff.id),
});

/** The balances signed off when a month closed, one row per currency. */
export const signedOffBalances = sqliteTable(
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
