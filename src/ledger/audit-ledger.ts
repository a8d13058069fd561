import type { Db } from '../db/client.js';
import { findMisattributedOrders, findOrderFigureDrift, findSupporterTotalDrift, readTotals, sumLedger, type Totals } from './ledger.queries.js';

export interface LedgerAudit {
  /** The public running totals, and the same figures summed from the entries. */
  totals: { kept: Totals; summed: Totals };
  /** Orders whose kept figures (pairs, trap-weeks, sold, refunded, reversed) disagree with their entries. */
  orderFigureDrift: number[];
  /** Supporters whose kept sums disagree with the entries crediting them. */
  supporterTotalDrift: number[];
  /** Orders with entries that credit someone other than their buyer (see reconcile-order.ts). */
  misattributedOrders: number[];
}

/**
 * Everything the ledger keeps besides its entries (running totals, per-supporter sums, per-order
 * figures) checked against a fresh sum of the entries, which are the record. Read-only, and read
 * from one snapshot, so a purchase the running server records meanwhile cannot look like a
 * disagreement. Each check is one statement, a few seconds over a million orders.
 */
export function auditLedger(db: Db, onStep: (step: string) => void = () => {}): LedgerAudit {
  return db.transaction(
    (tx) => {
      onStep('running totals');
      const totals = { kept: readTotals(tx), summed: sumLedger(tx) };
      onStep("orders' figures");
      const orderFigureDrift = findOrderFigureDrift(tx).map((drift) => drift.orderId);
      onStep("supporters' sums");
      const supporterTotalDrift = findSupporterTotalDrift(tx);
      onStep('who each order credits');
      const misattributedOrders = findMisattributedOrders(tx);
      return { totals, orderFigureDrift, supporterTotalDrift, misattributedOrders };
    },
    { behavior: 'deferred' },
  );
}

export function isLedgerConsistent(audit: LedgerAudit): boolean {
  const { kept, summed } = audit.totals;
  return (
    kept.pairs === summed.pairs &&
    kept.trapWeeks === summed.trapWeeks &&
    kept.supporters === summed.supporters &&
    audit.orderFigureDrift.length === 0 &&
    audit.supporterTotalDrift.length === 0 &&
    audit.misattributedOrders.length === 0
  );
}
