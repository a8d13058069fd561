import { and, desc, eq, lte } from 'drizzle-orm';
import type { DbOrTx } from '../db/client.js';
import { conversionRates, conversionRules } from '../db/schema.js';

export interface ConversionRule {
  id: number;
  effectiveOn: string;
  trapWeeksPerPair: number;
  /** Donation per pair in minor units, by upper-case currency. */
  donationPerPairMinor: Record<string, number>;
}

/** Creates the first rule (effective from the beginning) from configuration when none exists yet. */
export function ensureDefaultRule(db: DbOrTx, trapWeeksPerPair: number, donationPerPair: Record<string, number>, now: number): void {
  const existing = db.select({ id: conversionRules.id }).from(conversionRules).limit(1).get();
  if (existing) return;
  db.transaction((tx) => {
    const rule = tx.insert(conversionRules).values({ effectiveOn: '2000-01-01', trapWeeksPerPair, createdAt: now }).returning().get();
    const rates = Object.entries(donationPerPair).map(([currency, minor]) => ({ ruleId: rule.id, currency, donationPerPairMinor: minor }));
    if (rates.length > 0) tx.insert(conversionRates).values(rates).run();
  });
}

/** The rule in force on a day (YYYY-MM-DD): the latest one effective on or before it. */
export function ruleInForce(db: DbOrTx, day: string): ConversionRule {
  const rule = db.select().from(conversionRules).where(lte(conversionRules.effectiveOn, day)).orderBy(desc(conversionRules.effectiveOn)).limit(1).get();
  if (!rule) throw new Error(`no conversion rule is in force on ${day}`);
  return withRates(db, rule);
}

export function ruleById(db: DbOrTx, id: number): ConversionRule {
  const rule = db.select().from(conversionRules).where(eq(conversionRules.id, id)).get();
  if (!rule) throw new Error(`conversion rule ${id} does not exist`);
  return withRates(db, rule);
}

function withRates(db: DbOrTx, rule: typeof conversionRules.$inferSelect): ConversionRule {
  const rates = db.select().from(conversionRates).where(and(eq(conversionRates.ruleId, rule.id))).all();
  return {
    id: rule.id,
    effectiveOn: rule.effectiveOn,
    trapWeeksPerPair: rule.trapWeeksPerPair,
    donationPerPairMinor: Object.fromEntries(rates.map((r) => [r.currency, r.donationPerPairMinor])),
  };
}
