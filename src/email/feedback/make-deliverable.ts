import { eq } from 'drizzle-orm';
import { transaction, type Db } from '../../db/client.js';
import { supporters } from '../../db/schema/index.js';
import { BadRequestError, NotFoundError } from '../../errors.js';
import { recordAudit, type Actor } from '../../staff/audit-log.js';

/**
 * Makes a buyer's address deliverable again (staff believe the mailbox works now), audited in the
 * same transaction. Bounces that occurred before this moment, arriving late, no longer count against
 * it; a complaint's unsubscribe stays (only the buyer can subscribe again).
 */
export function makeAddressDeliverable(db: Db, supporterId: number, reason: string, actor: Actor, now: number): void {
  if (reason.length < 3 || reason.length > 500)
    throw new BadRequestError('reason_required', 'Say why the address works again (3 to 500 characters).', {
      field: 'reason',
    });
  transaction(
    db,
    (tx) => {
      const supporter = tx.select().from(supporters).where(eq(supporters.id, supporterId)).get();
      if (!supporter || supporter.erasedAt !== null) throw new NotFoundError('not_found', 'There is no such buyer.');
      if (supporter.isDeliverable) return; // a second press of the button changes nothing
      tx.update(supporters)
        .set({ isDeliverable: true, bouncesResetAt: now })
        .where(eq(supporters.id, supporterId))
        .run();
      recordAudit(
        tx,
        actor,
        now,
        'supporter.deliverable',
        `supporter:${supporterId}`,
        { isDeliverable: false },
        { isDeliverable: true, reason },
      );
    },
    'immediate',
  );
}
