import { integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/** What a pair is worth (conversion rules, versioned by date) and how many pairs each product is. */

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
