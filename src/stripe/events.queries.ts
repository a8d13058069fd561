import { and, asc, eq, inArray, lte, sql } from 'drizzle-orm';
import type { DbOrTx } from '../db/client.js';
import { stripeEvents } from '../db/schema.js';
import type { VerifiedEvent } from './verify-event.js';

export type StoredEvent = typeof stripeEvents.$inferSelect;
export type EventStatus = StoredEvent['status'];

/** Inserts events keyed by id; returns the ids that were new (the rest were redeliveries). */
export function insertEventsIfNew(db: DbOrTx, events: VerifiedEvent[], now: number): Set<string> {
  const inserted = new Set<string>();
  for (const event of events) {
    const row = db
      .insert(stripeEvents)
      .values({
        id: event.id,
        type: event.type,
        apiVersion: event.apiVersion,
        livemode: event.livemode,
        stripeCreated: event.created,
        payload: event.payload,
        nextAttemptAt: now,
        receivedAt: now,
      })
      .onConflictDoNothing()
      .returning({ id: stripeEvents.id })
      .get();
    if (row) inserted.add(row.id);
  }
  return inserted;
}

/** Events due for processing, oldest Stripe time first (a best effort: processing is order-independent). */
export function selectReadyEvents(db: DbOrTx, now: number, limit: number): StoredEvent[] {
  return db
    .select()
    .from(stripeEvents)
    .where(and(inArray(stripeEvents.status, ['pending', 'retrying']), lte(stripeEvents.nextAttemptAt, now)))
    .orderBy(asc(stripeEvents.stripeCreated), asc(stripeEvents.receivedAt))
    .limit(limit)
    .all();
}

export function markEventDone(db: DbOrTx, id: string, status: 'processed' | 'ignored', now: number): void {
  db.update(stripeEvents)
    .set({ status, processedAt: now, lastError: null, attempts: sql`${stripeEvents.attempts} + 1` })
    .where(eq(stripeEvents.id, id))
    .run();
}

export function markEventFailedAttempt(db: DbOrTx, id: string, status: 'retrying' | 'failed', error: string, nextAttemptAt: number): void {
  db.update(stripeEvents)
    .set({ status, lastError: error.slice(0, 2000), nextAttemptAt, attempts: sql`${stripeEvents.attempts} + 1` })
    .where(eq(stripeEvents.id, id))
    .run();
}

/** Puts stored events back in the queue for re-processing (all, or only some statuses). */
export function requeueEvents(db: DbOrTx, now: number, statuses?: EventStatus[]): number {
  const query = db.update(stripeEvents).set({ status: 'pending', nextAttemptAt: now });
  const result = statuses ? query.where(inArray(stripeEvents.status, statuses)).run() : query.run();
  return result.changes;
}

export function countEventsByStatus(db: DbOrTx): Record<string, number> {
  const rows = db.select({ status: stripeEvents.status, n: sql<number>`count(*)` }).from(stripeEvents).groupBy(stripeEvents.status).all();
  return Object.fromEntries(rows.map((r) => [r.status, r.n]));
}

export function findEvent(db: DbOrTx, id: string): StoredEvent | undefined {
  return db.select().from(stripeEvents).where(eq(stripeEvents.id, id)).get();
}
