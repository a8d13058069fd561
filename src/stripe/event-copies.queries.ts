import { eq, inArray, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { stripeEvents } from '../db/schema/index.js';
import { withoutPersonalFields } from './personal-fields.js';

/** What a buyer's purchases are known by at Stripe: the ids their stored events carry. */
export interface StripeRefs {
  /** Checkout sessions, payment intents, charges, refunds and disputes: each an event's own `data.object.id`. */
  objectIds: string[];
  /** Payment intents, as charges, refunds and disputes name them (`data.object.payment_intent`). */
  paymentIntentIds: string[];
}

export interface StoredEventCopy {
  id: string;
  type: string;
  stripeCreated: number;
  payload: string;
}

/** Ids per statement: far below SQLite's limit on bound values, and a short index probe each. */
const CHUNK = 400;
const objectId = sql`json_extract(${stripeEvents.payload}, '$.data.object.id')`;
const intentId = sql`json_extract(${stripeEvents.payload}, '$.data.object.payment_intent')`;

/**
 * The stored events about these Stripe objects, found through the indexes on the ids inside each
 * payload (stripe_events_object, stripe_events_payment_intent), oldest first: never a scan of the
 * whole table.
 */
export function findEventCopies(db: Db, refs: StripeRefs): StoredEventCopy[] {
  return collectEvents(refs, (where) =>
    db
      .select({
        id: stripeEvents.id,
        type: stripeEvents.type,
        stripeCreated: stripeEvents.stripeCreated,
        payload: stripeEvents.payload,
      })
      .from(stripeEvents)
      .where(where)
      .all(),
  );
}

export interface StoredEventSummary {
  id: string;
  type: string;
  status: (typeof stripeEvents.$inferSelect)['status'];
  stripeCreated: number;
  attempts: number;
}

/** The same events as findEventCopies, without their payloads: what a list of them shows. */
export function listEventsAbout(db: Db, refs: StripeRefs): StoredEventSummary[] {
  return collectEvents(refs, (where) =>
    db
      .select({
        id: stripeEvents.id,
        type: stripeEvents.type,
        status: stripeEvents.status,
        stripeCreated: stripeEvents.stripeCreated,
        attempts: stripeEvents.attempts,
      })
      .from(stripeEvents)
      .where(where)
      .all(),
  );
}

/** One index probe per chunk of ids, each event once, oldest first. */
function collectEvents<T extends { id: string; stripeCreated: number }>(
  refs: StripeRefs,
  select: (where: SQL) => T[],
): T[] {
  const found = new Map<string, T>();
  for (const ids of chunks(unique(refs.objectIds)))
    for (const row of select(inArray(objectId, ids))) found.set(row.id, row);
  for (const ids of chunks(unique(refs.paymentIntentIds)))
    for (const row of select(inArray(intentId, ids))) found.set(row.id, row);
  return [...found.values()].sort((a, b) => a.stripeCreated - b.stripeCreated || a.id.localeCompare(b.id));
}

/**
 * Removes the personal fields (personal-fields.ts) from the stored copies of the events about these
 * objects; returns how many copies changed. Processing them again still works: what it reads stays.
 */
export function forgetPersonalFieldsOfEvents(tx: Db, refs: StripeRefs): number {
  let changed = 0;
  for (const copy of findEventCopies(tx, refs)) changed += Number(rewritePayload(tx, copy));
  return changed;
}

/** The same for one stored event (one just processed for an erased buyer, say). */
export function forgetPersonalFieldsOfEvent(tx: Db, eventId: string): boolean {
  const copy = tx
    .select({ id: stripeEvents.id, payload: stripeEvents.payload })
    .from(stripeEvents)
    .where(eq(stripeEvents.id, eventId))
    .get();
  return copy ? rewritePayload(tx, copy) : false;
}

function rewritePayload(tx: Db, copy: { id: string; payload: string }): boolean {
  const payload = withoutPersonalFields(copy.payload);
  if (payload === copy.payload) return false;
  tx.update(stripeEvents).set({ payload }).where(eq(stripeEvents.id, copy.id)).run();
  return true;
}

function unique(ids: string[]): string[] {
  return [...new Set(ids.filter(Boolean))];
}

function* chunks<T>(items: T[]): Generator<T[]> {
  for (let i = 0; i < items.length; i += CHUNK) yield items.slice(i, i + CHUNK);
}
