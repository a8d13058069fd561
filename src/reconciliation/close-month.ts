import { transaction, type Db } from '../db/client.js';
import { monthCloses, signedOffBalances } from '../db/schema/index.js';
import { isPeriod } from '../lib/months.js';
import { recordAudit, type Actor } from '../staff/audit-log.js';
import type { Balance } from './balances.js';
import { checkClose, monthBalances } from './months.queries.js';
import { BadRequestError } from '../errors.js';

/**
 * Closes a month: its balances are signed off and stored, and from then on nothing can be booked
 * into it (a later change lands in the first open month). Closing is final and audited.
 */
export function closeMonth(db: Db, period: string, actor: Actor, now: number): Balance[] {
  if (!isPeriod(period)) throw new BadRequestError('invalid_month', 'The month must look like 2025-01.');
  return transaction(
    db,
    (tx) => {
      const check = checkClose(tx, period, now);
      if (!check.canClose) throw new BadRequestError('cannot_close', check.reason ?? 'This month cannot be closed.');
      const balances = monthBalances(tx, period);
      tx.insert(monthCloses).values({ period, closedAt: now, closedByStaffId: actor.staffId }).run();
      if (balances.length > 0)
        tx.insert(signedOffBalances)
          .values(balances.map((b) => ({ period, ...b })))
          .run();
      recordAudit(tx, actor, now, 'month.close', `month:${period}`, { isClosed: false }, { isClosed: true, balances });
      return balances;
    },
    'immediate',
  );
}
