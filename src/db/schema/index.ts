/**
 * Every table, by area. Times are epoch milliseconds unless the column name says otherwise (`…On`
 * is a YYYY-MM-DD day). The sums kept from the ledger, and the triggers that keep them, are in
 * running-sums.ts.
 */
export * from './camtrap.js';
export * from './catalog.js';
export * from './email.js';
export * from './email-feedback.js';
export * from './impact.js';
export * from './ledger.js';
export * from './orders.js';
export * from './reconciliation.js';
export * from './staff.js';
export * from './stripe.js';
export * from './supporters.js';
