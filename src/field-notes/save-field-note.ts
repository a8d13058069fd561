import { transaction, type Db } from '../db/client.js';
import { findFieldNote, setFieldNote } from '../email/field-notes.queries.js';
import { recordAudit, type Actor } from '../staff/audit-log.js';

/** Sets (or, when empty, removes) a month's field note for the impact email, audited with before and after. */
export function saveFieldNote(db: Db, period: string, body: string, actor: Actor, now: number): void {
  transaction(db, (tx) => {
    const before = findFieldNote(tx, period);
    setFieldNote(tx, period, body, now);
    const after = findFieldNote(tx, period);
    if (before !== after)
      recordAudit(
        tx,
        actor,
        now,
        'field_note.set',
        `field_note:${period}`,
        before === null ? null : { body: before },
        after === null ? null : { body: after },
      );
  });
}
