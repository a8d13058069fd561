import { transaction, type Db } from '../db/client.js';
import {
  findOrderFigureDrift,
  findPeriodSumDrift,
  findSupporterTotalDrift,
  findWeekSumDrift,
  freshTotals,
  type Totals,
} from '../db/running-sums.js';
import { findAllocationDrift } from '../camtrap/allocate-weeks.js';
import { findMisattributedOrders, readTotals } from './ledger.queries.js';

export interface LedgerAudit {
  /** The public running totals, and the same figures summed from the entries. */
  totals: { kept: Totals; summed: Totals };
  /** Orders whose kept figures (pairs, trap-weeks, sold, refunded, reversed) disagree with their entries. */
  orderFigureDrift: number[];
  /** Supporters whose kept sums disagree with the entries crediting them. */
  supporterTotalDrift: number[];
  /** Month sums ("2025-03 GBP sale") whose kept figures disagree with the entries booked in them. */
  periodSumDrift: string[];
  /** Week sums ("2025-03-03 sale") whose kept figures disagree with the entries that occurred in them. */
  weekSumDrift: string[];
  /** Orders with entries that credit someone other than their buyer (see reconcile-order.ts). */
  misattributedOrders: number[];
  /** Orders whose funded trap-weeks and camera-week allocations disagree (src/camtrap/allocate-weeks.ts). */
  allocationDrift: number[];
}

/**
 * Everything the ledger keeps besides its entries (src/db/running-sums.ts: running totals,
 * per-supporter sums, per-order figures, month and week sums) checked against a fresh sum of the entries,
 * which are the record, and the trap-weeks' camera-week allocations against the orders' trap-weeks.
 * Read-only, and read from one snapshot, so a purchase the running server records meanwhile cannot look like a
 * disagreement. Each check is one statement, a few seconds over a million orders.
 */
export function auditLedger(db: Db, onStep: (step: string) => void = () => {}): LedgerAudit {
  return transaction(
    db,
    (tx) => {
      onStep('running totals');
      const totals = { kept: readTotals(tx), summed: freshTotals(tx) };
      onStep("orders' figures");
      const orderFigureDrift = findOrderFigureDrift(tx);
      onStep("supporters' sums");
      const supporterTotalDrift = findSupporterTotalDrift(tx);
      onStep('month sums');
      const periodSumDrift = findPeriodSumDrift(tx);
      onStep('week sums');
      const weekSumDrift = findWeekSumDrift(tx);
      onStep('who each order credits');
      const misattributedOrders = findMisattributedOrders(tx);
      onStep('trap-weeks on camera-weeks');
      const allocationDrift = findAllocationDrift(tx);
      return {
        totals,
        orderFigureDrift,
        supporterTotalDrift,
        periodSumDrift,
        weekSumDrift,
        misattributedOrders,
        allocationDrift,
      };
    },
    'deferred',
  );
}

export function areTotalsAsSummed({ totals: { kept, summed } }: LedgerAudit): boolean {
  return kept.pairs === summed.pairs && kept.trapWeeks === summed.trapWeeks && kept.supporters === summed.supporters;
}

export function isLedgerConsistent(audit: LedgerAudit): boolean {
  return (
    areTotalsAsSummed(audit) &&
    audit.orderFigureDrift.length === 0 &&
    audit.supporterTotalDrift.length === 0 &&
    audit.periodSumDrift.length === 0 &&
    audit.weekSumDrift.length === 0 &&
    audit.misattributedOrders.length === 0 &&
    audit.allocationDrift.length === 0
  );
}

/** The audit in lines a person reads (the command line's report, a failing test's message). */
export function describeAudit(audit: LedgerAudit): string {
  const { kept, summed } = audit.totals;
  const ids = (list: (number | string)[]) =>
    `${list.slice(0, 20).join(', ')}${list.length > 20 ? `, and ${list.length - 20} more` : ''}`;
  const isTotalsEqual = areTotalsAsSummed(audit);
  const lines = [
    isTotalsEqual
      ? `running totals: ${kept.pairs} pairs, ${kept.trapWeeks} trap-weeks, ${kept.supporters} supporters,` +
        ' as the entries say'
      : `running totals DISAGREE: kept ${JSON.stringify(kept)}, entries say ${JSON.stringify(summed)}`,
    audit.orderFigureDrift.length === 0
      ? "orders' figures: all as their entries say"
      : `orders' figures DISAGREE for order ids ${ids(audit.orderFigureDrift)}`,
    audit.supporterTotalDrift.length === 0
      ? "supporters' sums: all as their entries say"
      : `supporters' sums DISAGREE for supporter ids ${ids(audit.supporterTotalDrift)}`,
    audit.periodSumDrift.length === 0
      ? 'month sums: all as their entries say'
      : `month sums DISAGREE for ${ids(audit.periodSumDrift)}`,
    audit.weekSumDrift.length === 0
      ? 'week sums: all as their entries say'
      : `week sums DISAGREE for ${ids(audit.weekSumDrift)}`,
    audit.allocationDrift.length === 0
      ? 'trap-weeks and camera-weeks: every funded week allocated or waiting, once'
      : `trap-weeks and camera-weeks DISAGREE for order ids ${ids(audit.allocationDrift)}`,
    audit.misattributedOrders.length === 0
      ? 'every order credits its buyer'
      : `orders crediting someone other than their buyer: ids ${ids(audit.misattributedOrders)}` +
        ' (run ledger:check --repair to credit them)',
  ];
  if (
    !isTotalsEqual ||
    audit.orderFigureDrift.length > 0 ||
    audit.supporterTotalDrift.length > 0 ||
    audit.periodSumDrift.length > 0 ||
    audit.weekSumDrift.length > 0 ||
    audit.allocationDrift.length > 0
  ) {
    lines.push(
      'The entries are the record; kept sums that disagree with them are a bug. Keep a backup ' +
        '(npm run cli -- backup FILE) and report it.',
    );
  }
  return `${lines.join('\n')}\n`;
}
