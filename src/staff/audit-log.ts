import { and, eq, sql, type SQL } from 'drizzle-orm';
import { csvLineSql, csvTextSql, isoSql } from '../db/csv-sql.js';
import {
  keysetCsv,
  keysetSelect,
  readPage,
  type Cursor,
  type Direction,
  type KeysetPage,
  type KeysetSort,
  type PageStart,
} from '../db/keyset.js';
import { csvRow } from '../lib/csv.js';
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

export interface AuditSearch {
  /** Exactly as recorded: a staff email, or "command line". */
  actor?: string;
  action?: string;
  direction: Direction;
}

const AUDIT_SORT = (direction: Direction): KeysetSort => ({ column: auditLog.at, id: auditLog.id, direction });

/** The log by time, a page at a time; for one actor or one action, each through its own index. */
export function listAudit(db: Db, search: AuditSearch, start: PageStart, limit: number): KeysetPage<AuditEntry> {
  const query = auditPageQuery(db, search);
  return readPage(query.sort, start, limit, (where, orderBy, n) => query.build(where, orderBy, n).all());
}

/** The list's query, unrun (its plans are checked in tests). */
export function auditPageQuery(db: Db, search: AuditSearch) {
  const sort = AUDIT_SORT(search.direction);
  const build = keysetSelect(() => db.select().from(auditLog).$dynamic(), auditFilter(search));
  return { sort, build };
}

export const auditCursor = (row: AuditEntry): Cursor => ({ value: row.at, id: row.id });

export const AUDIT_CSV_HEADER = csvRow(['entry_id', 'at', 'actor', 'action', 'subject', 'before', 'after']);

/** Every entry the search matches (all pages), by time, as CSV. */
export function auditCsv(db: Db, search: AuditSearch): Generator<string> {
  const a = auditLog;
  const sort = AUDIT_SORT(search.direction);
  const line = csvLineSql([
    sql`${a.id}`,
    isoSql(a.at),
    csvTextSql(a.actor),
    csvTextSql(a.action),
    csvTextSql(a.subject),
    csvTextSql(a.before),
    csvTextSql(a.after),
  ]);
  const read = keysetSelect(() => db.select({ value: a.at, id: a.id, line }).from(a).$dynamic(), auditFilter(search));
  return keysetCsv(AUDIT_CSV_HEADER, sort, (where, orderBy, limit) => read(where, orderBy, limit).all());
}

function auditFilter(search: AuditSearch): SQL | undefined {
  return and(
    search.actor ? eq(auditLog.actor, search.actor) : undefined,
    search.action ? eq(auditLog.action, search.action) : undefined,
  );
}
