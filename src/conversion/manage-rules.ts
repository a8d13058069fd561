import { desc, eq, sql } from 'drizzle-orm';
import { transaction, type Db } from '../db/client.js';
import { conversionRates, conversionRules, orders } from '../db/schema/index.js';
import { isoDay } from '../lib/clock.js';
import { isCurrencyCode } from '../lib/money.js';
import { recordAudit, type Actor } from '../staff/audit-log.js';
import { ruleById, type ConversionRule } from './conversion-rules.js';
import { BadRequestError, NotFoundError } from '../errors.js';

export interface NewRuleInput {
  /** YYYY-MM-DD, after today: a rule never reaches back over orders already paid. */
  effectiveOn: string;
  trapWeeksPerPair: number;
  donationPerPairMinor: Record<string, number>;
}

/** Every rule, newest first, each marked as in the past (read-only) or still to come. */
export function listRules(db: Db, now: number): (ConversionRule & { isFuture: boolean })[] {
  const today = isoDay(now);
  return db
    .select({ id: conversionRules.id })
    .from(conversionRules)
    .orderBy(desc(conversionRules.effectiveOn))
    .all()
    .map(({ id }) => {
      const rule = ruleById(db, id);
      return { ...rule, isFuture: rule.effectiveOn > today };
    });
}

/**
 * Adds a rule taking effect on a future day. Orders keep the rule in force when they were paid, so a
 * new rule changes no order that exists; that is also why it cannot start today or earlier.
 */
export function addConversionRule(db: Db, input: NewRuleInput, actor: Actor, now: number): ConversionRule {
  const effectiveOn = input.effectiveOn.trim();
  if (!/^\d{4}-\d{2}-\d{2}$/.test(effectiveOn) || isoDay(Date.parse(`${effectiveOn}T00:00:00Z`) || 0) !== effectiveOn) {
    throw new BadRequestError('invalid_date', 'The effective date must be a real day, like 2025-07-01.', {
      field: 'effectiveOn',
    });
  }
  if (effectiveOn <= isoDay(now))
    throw new BadRequestError('past_date', 'A new rule must take effect after today: past rules are read-only.', {
      field: 'effectiveOn',
    });
  if (!Number.isInteger(input.trapWeeksPerPair) || input.trapWeeksPerPair < 1 || input.trapWeeksPerPair > 52) {
    throw new BadRequestError('invalid_trap_weeks', 'Trap-weeks per pair must be a whole number from 1 to 52.', {
      field: 'trapWeeksPerPair',
    });
  }
  const rates = Object.entries(input.donationPerPairMinor);
  for (const [currency, minor] of rates) {
    if (!isCurrencyCode(currency) || !Number.isSafeInteger(minor) || minor < 0)
      throw new BadRequestError('invalid_rate', `The donation for ${currency} is not valid.`, { field: 'rates' });
  }
  return transaction(db, (tx) => {
    if (tx.select().from(conversionRules).where(eq(conversionRules.effectiveOn, effectiveOn)).get()) {
      throw new BadRequestError('rule_exists', `A rule already takes effect on ${effectiveOn}; withdraw it first.`, {
        field: 'effectiveOn',
      });
    }
    const row = tx
      .insert(conversionRules)
      .values({ effectiveOn, trapWeeksPerPair: input.trapWeeksPerPair, createdAt: now })
      .returning()
      .get();
    if (rates.length > 0)
      tx.insert(conversionRates)
        .values(rates.map(([currency, minor]) => ({ ruleId: row.id, currency, donationPerPairMinor: minor })))
        .run();
    const rule = ruleById(tx, row.id);
    recordAudit(tx, actor, now, 'rule.add', `conversion_rule:${row.id}`, null, rule);
    return rule;
  });
}

/** Withdraws a rule that has not taken effect yet (and that no order uses). Rules in the past stay. */
export function withdrawConversionRule(db: Db, ruleId: number, actor: Actor, now: number): void {
  transaction(db, (tx) => {
    const rule = tx.select().from(conversionRules).where(eq(conversionRules.id, ruleId)).get();
    if (!rule) throw new NotFoundError('not_found', 'There is no such conversion rule.');
    if (rule.effectiveOn <= isoDay(now))
      throw new BadRequestError('rule_in_past', 'This rule has taken effect: past rules are read-only.');
    const used =
      tx.get<{ n: number }>(sql`select count(*) as n from ${orders} where ${orders.ruleId} = ${ruleId}`)?.n ?? 0;
    if (used > 0) throw new BadRequestError('rule_in_use', 'Orders already use this rule; it cannot be withdrawn.');
    const before = ruleById(tx, ruleId);
    tx.delete(conversionRates).where(eq(conversionRates.ruleId, ruleId)).run();
    tx.delete(conversionRules).where(eq(conversionRules.id, ruleId)).run();
    recordAudit(tx, actor, now, 'rule.withdraw', `conversion_rule:${ruleId}`, before, null);
  });
}

/** "GBP 1.00, EUR 1.15" (or one per line) → { GBP: 100, EUR: 115 }, using each currency's minor digits. */
export function parseRates(
  text: string,
  parseMoney: (amount: string, currency: string) => number | null,
): Record<string, number> {
  const rates: Record<string, number> = {};
  for (const part of text
    .split(/[\n;,]+/)
    .map((s) => s.trim())
    .filter(Boolean)) {
    const [currency, amount] = splitRate(part) ?? [];
    const minor = currency && amount ? parseMoney(amount, currency) : null;
    if (!currency || minor === null)
      throw new BadRequestError('invalid_rate', `Write each donation like "GBP 1.00" (could not read "${part}").`, {
        field: 'rates',
      });
    if (currency in rates)
      throw new BadRequestError('duplicate_rate', `${currency} is listed twice.`, { field: 'rates' });
    rates[currency] = minor;
  }
  return rates;
}

/**
 * "GBP 1.00", "gbp:1.00", "EUR : 1.15" → ["GBP", "1.00"]; null otherwise. Cut with slices: the
 * pattern this replaces took half a second to refuse one long line of spaces.
 */
function splitRate(part: string): [string, string] | null {
  const currency = part.slice(0, 3);
  let amount = part.slice(3).trimStart();
  const hasSeparator = amount.length < part.length - 3 || amount.startsWith(':');
  if (amount.startsWith(':')) amount = amount.slice(1).trimStart();
  if (!/^[A-Za-z]{3}$/.test(currency) || !hasSeparator || amount === '' || /\s/.test(amount)) return null;
  return [currency.toUpperCase(), amount];
}
