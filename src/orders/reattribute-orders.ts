import { transaction, type Db } from '../db/client.js';
import type { NewLedgerEntry } from '../ledger/ledger.queries.js';
import { reconcileOrder } from './reconcile-order.js';

/**
 * Credits orders recorded before their buyer was known, whose entries were written by a version
 * that did not move them (found by auditLedger): each is reconciled in its own transaction, as a
 * new event would, with `onRepaired` (the audit log) in the same transaction. Returns the number
 * of entries appended.
 */
export function reattributeOrders(
  db: Db,
  orderIds: readonly number[],
  now: number,
  onRepaired: (tx: Db, orderId: number, entries: NewLedgerEntry[]) => void = () => {},
): number {
  let appended = 0;
  for (const orderId of orderIds) {
    appended += transaction(
      db,
      (tx) => {
        const entries = reconcileOrder(tx, orderId, { occurredAt: now, recordedAt: now, eventId: null });
        onRepaired(tx, orderId, entries);
        return entries.length;
      },
      'immediate',
    );
  }
  return appended;
}
