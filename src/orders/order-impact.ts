/**
 * The arithmetic of one order's impact, free of storage: given what we know about the order now,
 * what its ledger should add up to. Reconciling appends the difference, so any order of events
 * (and any number of repeats) lands on the same totals.
 */

export interface OrderFacts {
  isPaid: boolean;
  amountTotalMinor: number;
  /** Sum of quantity × pairs per unit over mapped line items. */
  fundedPairs: number;
  /** Cumulative amount refunded, as Stripe last reported it. */
  refundedMinor: number;
  /** Amount of disputes the shop lost. */
  disputeLostMinor: number;
}

/** Pairs per ledger component; reversals are positive counts of pairs taken back. */
export interface PairsTarget {
  salePairs: number;
  refundedPairs: number;
  disputedPairs: number;
}

export function targetPairs(facts: OrderFacts): PairsTarget {
  if (!facts.isPaid || facts.fundedPairs <= 0) return { salePairs: 0, refundedPairs: 0, disputedPairs: 0 };
  const total = facts.amountTotalMinor;
  const salePairs = facts.fundedPairs;
  if (total <= 0) return { salePairs, refundedPairs: 0, disputedPairs: 0 };
  const refunded = clamp(facts.refundedMinor, 0, total);
  const disputed = clamp(facts.disputeLostMinor, 0, total - refunded);
  const refundedPairs = reversedPairs(salePairs, refunded, total);
  const disputedPairs = reversedPairs(salePairs, refunded + disputed, total) - refundedPairs;
  return { salePairs, refundedPairs, disputedPairs };
}

/**
 * Pairs reversed when `reversedMinor` of `totalMinor` goes back: rounded up, so no more pairs stay
 * funded than were paid for.
 */
export function reversedPairs(pairs: number, reversedMinor: number, totalMinor: number): number {
  return Math.floor((pairs * reversedMinor + totalMinor - 1) / totalMinor);
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(Math.max(value, min), max);
}

/** What a number of pairs is worth under a rule: trap-weeks, and the donation when the currency has a rate. */
export function valueOfPairs(pairs: number, trapWeeksPerPair: number, donationPerPairMinor: number | undefined) {
  return { pairs, trapWeeks: pairs * trapWeeksPerPair, donationMinor: pairs * (donationPerPairMinor ?? 0) };
}
