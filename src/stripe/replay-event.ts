import { transaction, type Db } from '../db/client.js';
import { recordAudit, type Actor } from '../staff/audit-log.js';
import { requeueEvent } from './event-admin.queries.js';
import { NotFoundError } from '../errors.js';

/**
 * Queues one stored event to be processed again from its stored copy (processing is idempotent,
 * so replaying a processed event changes nothing unless the facts behind it did). Audited.
 */
export function replayEvent(db: Db, eventId: string, actor: Actor, now: number): void {
  transaction(db, (tx) => {
    const before = requeueEvent(tx, eventId, now);
    if (!before) throw new NotFoundError('not_found', 'There is no stored event with this id.');
    recordAudit(
      tx,
      actor,
      now,
      'event.replay',
      `stripe_event:${eventId}`,
      { status: before.status, attempts: before.attempts, lastError: before.lastError },
      { status: 'pending' },
    );
  });
}
