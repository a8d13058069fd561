import type { Census } from '../../../census/manage-censuses.js';
import type { ConversionRule } from '../../../conversion/conversion-rules.js';
import { formatDateTime } from '../../../lib/format.js';
import { formatMajor, formatMoney } from '../../../lib/money.js';

/** A conversion rule with its donations per currency, as shown and as typed back into the form. */
export function ruleView(rule: ConversionRule & { isFuture: boolean }) {
  const rates = Object.entries(rule.donationPerPairMinor).map(([currency, minor]) => ({
    currency,
    amount: formatMoney(minor, currency),
    plain: formatMajor(minor, currency),
  }));
  return { ...rule, rates };
}

export function censusRowView(census: Census) {
  return {
    ...census,
    total: census.adults + census.adolescents + census.cubs,
    publishedAt: census.publishedAt === null ? null : formatDateTime(census.publishedAt),
  };
}
