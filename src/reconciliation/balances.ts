import type { LedgerKind } from '../ledger/ledger.queries.js';

/**
 * The reconciliation arithmetic, free of storage. Every ledger entry's `donation_minor` moves what
 * is owed to the charity: sales and adjustments accrue it, refunds and disputes reverse it, and a
 * `donation_paid` entry is negative (a void of one is positive). So for each month and currency:
 *
 *   closing = opening + accrued − reversed − paid,  and  closing of a month = opening of the next.
 */

export type Category = 'accrued' | 'reversed' | 'paid';

export const CATEGORY_OF: Record<LedgerKind, Category> = {
  sale: 'accrued',
  adjustment: 'accrued',
  refund: 'reversed',
  dispute_lost: 'reversed',
  dispute_won: 'reversed',
  donation_paid: 'paid',
};

export const KINDS_IN: Record<Category, LedgerKind[]> = {
  accrued: ['sale', 'adjustment'],
  reversed: ['refund', 'dispute_lost', 'dispute_won'],
  paid: ['donation_paid'],
};

export interface Balance {
  currency: string;
  openingMinor: number;
  accruedMinor: number;
  reversedMinor: number;
  paidMinor: number;
  closingMinor: number;
}

/** A month's net donation movement for one currency and kind. */
export interface PeriodSum {
  period: string;
  currency: string;
  kind: string;
  donationMinor: number;
}

/**
 * Balances per currency for each month in `periods` (ascending), from sums that may start earlier.
 * A currency appears from the first month it has any entry, and stays (its balance carries over).
 */
export function runningBalances(sums: PeriodSum[], periods: string[]): Map<string, Balance[]> {
  const closing = new Map<string, number>();
  const byPeriod = new Map<string, Balance[]>();
  const inPeriod = new Map<string, PeriodSum[]>();
  const first = periods[0];
  for (const sum of sums) {
    if (first !== undefined && sum.period < first)
      closing.set(sum.currency, (closing.get(sum.currency) ?? 0) + sum.donationMinor);
    else inPeriod.set(sum.period, [...(inPeriod.get(sum.period) ?? []), sum]);
  }
  for (const period of periods) {
    const movements = new Map<string, Balance>();
    const balanceOf = (currency: string) => {
      let balance = movements.get(currency);
      if (!balance) {
        const opening = closing.get(currency) ?? 0;
        balance = {
          currency,
          openingMinor: opening,
          accruedMinor: 0,
          reversedMinor: 0,
          paidMinor: 0,
          closingMinor: opening,
        };
        movements.set(currency, balance);
      }
      return balance;
    };
    for (const currency of closing.keys()) balanceOf(currency);
    for (const sum of inPeriod.get(period) ?? []) {
      const balance = balanceOf(sum.currency);
      const category = CATEGORY_OF[sum.kind as LedgerKind];
      if (category === 'accrued') balance.accruedMinor += sum.donationMinor;
      else if (category === 'reversed') balance.reversedMinor -= sum.donationMinor;
      else if (category === 'paid') balance.paidMinor -= sum.donationMinor;
      balance.closingMinor += sum.donationMinor;
    }
    const balances = [...movements.values()].sort((a, b) => a.currency.localeCompare(b.currency));
    for (const balance of balances) closing.set(balance.currency, balance.closingMinor);
    byPeriod.set(period, balances);
  }
  return byPeriod;
}
