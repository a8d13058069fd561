import { and, eq, sql, type SQL } from 'drizzle-orm';
import { csvLineSql, csvTextSql, isoSql } from '../db/csv-sql.js';
import {
  countUpToCap,
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
import { stripeEvents } from '../db/schema/index.js';
import type { EventStatus, StoredEvent } from './events.queries.js';

/** The sorts the event list offers, each served by an index alone and after a status or a type (migration 0022). */
export const EVENT_SORTS = ['received', 'created'] as const;
export type EventSort = (typeof EVENT_SORTS)[number];

export interface EventSearch {
  status?: EventStatus;
  type?: string;
  /** Received at or after, and before (epoch ms): only with the `received` sort (else ignored), which reads the same index. */
  receivedFrom?: number;
  receivedBefore?: number;
  sort: EventSort;
  direction: Direction;
}

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

const rowid = sql<number>`${stripeEvents}.rowid`;

/** A page of stored events in the search's sort (the rowid breaks ties: insertion order). */
export function listEvents(db: Db, search: EventSearch, start: PageStart, limit: number): KeysetPage<EventListRow> {
  const query = eventPageQuery(db, search);
  return readPage(query.sort, start, limit, (where, orderBy, n) => query.build(where, orderBy, n).all());
}

/** The list's query, unrun (its plans are checked in tests). */
export function eventPageQuery(db: Db, search: EventSearch) {
  const sort = eventSort(search);
  const build = keysetSelect(
    () =>
      db
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
        .$dynamic(),
    eventFilter(search),
  );
  return { sort, build };
}

export function eventCursor(search: Pick<EventSearch, 'sort'>, row: EventListRow): Cursor {
  return { value: search.sort === 'received' ? row.receivedAt : row.stripeCreated, id: row.rowid };
}

export const EVENTS_CSV_HEADER = csvRow([
  'event_id',
  'type',
  'status',
  'attempts',
  'source',
  'stripe_created',
  'received_at',
  'processed_at',
  'last_error',
]);

/** Every stored event the search matches (all pages), in its sort, as CSV; the payloads stay out. */
export function eventsCsv(db: Db, search: EventSearch): Generator<string> {
  const e = stripeEvents;
  const sort = eventSort(search);
  const line = csvLineSql([
    csvTextSql(e.id),
    csvTextSql(e.type),
    sql`${e.status}`,
    sql`${e.attempts}`,
    sql`${e.source}`,
    isoSql(sql`${e.stripeCreated} * 1000`),
    isoSql(e.receivedAt),
    isoSql(e.processedAt),
    csvTextSql(e.lastError),
  ]);
  const read = keysetSelect(
    () =>
      db
        .select({ value: sql<number>`${sort.column}`, id: rowid, line })
        .from(e)
        .$dynamic(),
    eventFilter(search),
  );
  return keysetCsv(EVENTS_CSV_HEADER, sort, (where, orderBy, limit) => read(where, orderBy, limit).all());
}

function eventSort(search: EventSearch): KeysetSort {
  const column = search.sort === 'received' ? stripeEvents.receivedAt : stripeEvents.stripeCreated;
  // The received range is read with the received sort's own index (the route sorts by it).
  const range = search.sort === 'received' ? { from: search.receivedFrom, before: search.receivedBefore } : undefined;
  return { column, id: rowid, direction: search.direction, range };
}

function eventFilter(search: EventSearch): SQL | undefined {
  return and(
    search.status ? eq(stripeEvents.status, search.status) : undefined,
    search.type ? eq(stripeEvents.type, search.type) : undefined,
  );
}

/** Stored events by status, each count stopping at COUNT_CAP: the list's figures, cheap at any size. */
export function countEventsByStatusUpToCap(db: Db, statuses: readonly EventStatus[]): Record<EventStatus, number> {
  return Object.fromEntries(
    statuses.map((status) => [status, countUpToCap(db, stripeEvents, eq(stripeEvents.status, status))]),
  ) as Record<EventStatus, number>;
}

/** Puts one stored event back in the queue, whatever its status; returns the event as it was. */
export function requeueEvent(db: Db, id: string, now: number): StoredEvent | undefined {
  const before = db.select().from(stripeEvents).where(eq(stripeEvents.id, id)).get();
  if (before)
    db.update(stripeEvents).set({ status: 'pending', nextAttemptAt: now }).where(eq(stripeEvents.id, id)).run();
  return before;
}
