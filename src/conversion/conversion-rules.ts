import { desc, eq, lte, sql } from 'drizzle-orm';
import { prepared, transaction, type Db } from '../db/client.js';
import { conversionRates, conversionRules } from '../db/schema/index.js';

export interface ConversionRule {
  id: number;
  effectiveOn: string;
  trapWeeksPerPair: number;
  /** Donation per pair in minor units, by upper-case currency. */
  donationPerPairMinor: Record<string, number>;
}

/** Creates the first rule (effective from the beginning) from configuration when none exists yet. */
export function ensureDefaultRule(
  db: Db,
  trapWeeksPerPair: number,
  donationPerPair: Record<string, number>,
  now: number,
): void {
  const existing = db.select({ id: conversionRules.id }).from(conversionRules).limit(1).get();
  if (existing) return;
  transaction(db, (tx) => {
    const rule = tx
      .insert(conversionRules)
      .values({ effectiveOn: '2000-01-01', trapWeeksPerPair, createdAt: now })
      .returning()
      .get();
    const rates = Object.entries(donationPerPair).map(([currency, minor]) => ({
      ruleId: rule.id,
      currency,
      donationPerPairMinor: minor,
    }));
    if (rates.length > 0) tx.insert(conversionRates).values(rates).run();
  });
}

const ruleOnDay = (db: Db) =>
  db
    .select()
    .from(conversionRules)
    .where(lte(conversionRules.effectiveOn, sql.placeholder('day')))
    .orderBy(desc(conversionRules.effectiveOn))
    .limit(1)
    .prepare();
const ruleWithId = (db: Db) =>
  db
    .select()
    .from(conversionRules)
    .where(eq(conversionRules.id, sql.placeholder('id')))
    .prepare();
const ratesOfRule = (db: Db) =>
  db
    .select()
    .from(conversionRates)
    .where(eq(conversionRates.ruleId, sql.placeholder('ruleId')))
    .prepare();

/** The rule in force on a day (YYYY-MM-DD): the latest one effective on or before it. */
export function ruleInForce(db: Db, day: string): ConversionRule {
  const rule = prepared(db, ruleOnDay).get({ day });
  if (!rule) throw new Error(`no conversion rule is in force on ${day}`);
  return withRates(db, rule);
}

export function ruleById(db: Db, id: number): ConversionRule {
  const rule = prepared(db, ruleWithId).get({ id });
  if (!rule) throw new Error(`conversion rule ${id} does not exist`);
  return withRates(db, rule);
}

function withRates(db: Db, rule: typeof conversionRules.$inferSelect): ConversionRule {
  const rates = prepared(db, ratesOfRule).all({ ruleId: rule.id });
  return {
    id: rule.id,
    effectiveOn: rule.effectiveOn,
    trapWeeksPerPair: rule.trapWeeksPerPair,
    donationPerPairMinor: Object.fromEntries(rates.map((r) => [r.currency, r.donationPerPairMinor])),
  };
}
