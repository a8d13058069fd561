import { desc, lt } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { auditLog } from '../db/schema/index.js';

/** Who made a change: a signed-in staff member, or someone at the command line. */
export interface Actor {
  staffId: number | null;
  email: string;
}

export const COMMAND_LINE: Actor = { staffId: null, email: 'command line' };

export type AuditEntry = typeof auditLog.$inferSelect;

/**
 * Records a change in the same transaction as the change itself, so the log and the data cannot
 * disagree. The table refuses updates and deletes (database triggers): nobody can edit history.
 */
export function recordAudit(
  tx: Db,
  actor: Actor,
  at: number,
  action: string,
  subject: string,
  before: unknown,
  after: unknown,
): void {
  tx.insert(auditLog)
    .values({
      at,
      staffId: actor.staffId,
      actor: actor.email,
      action,
      subject,
      before: before === undefined || before === null ? null : JSON.stringify(before),
      after: after === undefined || after === null ? null : JSON.stringify(after),
    })
    .run();
}

/** Newest first, a page at a time (`beforeId` continues from the last page). */
export function listAudit(db: Db, opts: { beforeId?: number; limit: number }): AuditEntry[] {
  const query = db.select().from(auditLog);
  return (opts.beforeId ? query.where(lt(auditLog.id, opts.beforeId)) : query)
    .orderBy(desc(auditLog.id))
    .limit(opts.limit)
    .all();
}
