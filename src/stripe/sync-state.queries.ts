import { desc, eq, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { stripeEvents, stripeSyncState } from '../db/schema/index.js';

export type SyncState = typeof stripeSyncState.$inferSelect;

/** There is one catch-up, so one row. */
const ROW = 1;

export function readSyncState(db: Db): SyncState {
  return (
    db.select().from(stripeSyncState).where(eq(stripeSyncState.id, ROW)).get() ?? {
      id: ROW,
      reachedCreated: null,
      runFrom: null,
      runUpTo: null,
      pageAfter: null,
      lastRunAt: null,
      lastSuccessAt: null,
      lastError: null,
      lastFoundNewAt: null,
    }
  );
}

export function updateSyncState(db: Db, changes: Partial<Omit<SyncState, 'id'>>): void {
  db.insert(stripeSyncState)
    .values({ id: ROW, ...changes })
    .onConflictDoUpdate({ target: stripeSyncState.id, set: changes })
    .run();
}

/** Stripe's `created` (seconds) of the newest event stored, however it came; null before any. */
export function newestStoredEventCreated(db: Db): number | null {
  return (
    db.get<{ c: number | null }>(sql`select max(${stripeEvents.stripeCreated}) as c from ${stripeEvents}`)?.c ?? null
  );
}

export interface ArrivalSummary {
  lastWebhookAt: number | null;
  lastCatchUpAt: number | null;
  /** Events first stored by the catch-up: deliveries Stripe failed to make. */
  caughtUp: number;
  recoveredByMonthCheck: number;
}

/** The dashboard's webhook health, from the (source, received_at) index. */
export function summariseArrivals(db: Db): ArrivalSummary {
  const last = (source: 'webhook' | 'catch_up') =>
    db.get<{ at: number | null }>(
      sql`select max(${stripeEvents.receivedAt}) as at from ${stripeEvents} where ${stripeEvents.source} = ${source}`,
    )?.at ?? null;
  const count = (source: 'catch_up' | 'month_check') =>
    db.get<{ n: number }>(sql`select count(*) as n from ${stripeEvents} where ${stripeEvents.source} = ${source}`)?.n ??
    0;
  return {
    lastWebhookAt: last('webhook'),
    lastCatchUpAt: last('catch_up'),
    caughtUp: count('catch_up'),
    recoveredByMonthCheck: count('month_check'),
  };
}

/** The latest events the catch-up stored that no webhook had delivered. */
export function listCaughtUpEvents(db: Db, limit: number) {
  return db
    .select({
      id: stripeEvents.id,
      type: stripeEvents.type,
      stripeCreated: stripeEvents.stripeCreated,
      receivedAt: stripeEvents.receivedAt,
    })
    .from(stripeEvents)
    .where(eq(stripeEvents.source, 'catch_up'))
    .orderBy(desc(stripeEvents.receivedAt))
    .limit(limit)
    .all();
}
