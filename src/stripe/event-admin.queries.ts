import { and, desc, eq, lt, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { stripeEvents } from '../db/schema/index.js';
import type { EventStatus, StoredEvent } from './events.queries.js';

export interface EventListRow {
  rowid: number;
  id: string;
  type: string;
  status: EventStatus;
  attempts: number;
  lastError: string | null;
  stripeCreated: number;
  receivedAt: number;
  nextAttemptAt: number;
}

/** Stored events, most recently received first (by rowid: insertion order, no extra index needed). */
export function listEvents(
  db: Db,
  opts: { status?: EventStatus; type?: string; beforeRowid?: number; limit: number },
): EventListRow[] {
  const rowid = sql<number>`${stripeEvents}.rowid`;
  return db
    .select({
      rowid,
      id: stripeEvents.id,
      type: stripeEvents.type,
      status: stripeEvents.status,
      attempts: stripeEvents.attempts,
      lastError: stripeEvents.lastError,
      stripeCreated: stripeEvents.stripeCreated,
      receivedAt: stripeEvents.receivedAt,
      nextAttemptAt: stripeEvents.nextAttemptAt,
    })
    .from(stripeEvents)
    .where(
      and(
        opts.status ? eq(stripeEvents.status, opts.status) : undefined,
        opts.type ? eq(stripeEvents.type, opts.type) : undefined,
        opts.beforeRowid ? lt(rowid, opts.beforeRowid) : undefined,
      ),
    )
    .orderBy(desc(rowid))
    .limit(opts.limit)
    .all();
}

/** Puts one stored event back in the queue, whatever its status; returns the event as it was. */
export function requeueEvent(db: Db, id: string, now: number): StoredEvent | undefined {
  const before = db.select().from(stripeEvents).where(eq(stripeEvents.id, id)).get();
  if (before)
    db.update(stripeEvents).set({ status: 'pending', nextAttemptAt: now }).where(eq(stripeEvents.id, id)).run();
  return before;
}
