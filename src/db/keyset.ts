import { and, asc, desc, sql, type AnyColumn, type SQL } from 'drizzle-orm';
import type { SQLiteSelect, SQLiteTable } from 'drizzle-orm/sqlite-core';
import type { Db } from './client.js';

/**
 * Keyset pagination for the console's lists: a page starts after (or before) a row named by its
 * sort value and id, never at an OFFSET, so the ten-thousandth page costs what the first does as
 * long as an index holds the sort value followed by the id.
 */

export type Direction = 'asc' | 'desc';

/** A row's place in a sort: its sort value, then its id as the tiebreak. */
export interface Cursor {
  value: number;
  id: number;
}

/** Where a page starts: after a row (the next page), before one (the previous page), or at the top. */
export type PageStart = { after: Cursor } | { before: Cursor } | { top: true };

export interface KeysetSort {
  /** Not null in every row the query reads (nullable columns need an `is not null` filter beside). */
  column: AnyColumn | SQL;
  id: AnyColumn | SQL;
  direction: Direction;
  /**
   * The filter's own index finds few rows (one shopper's orders, one recipient's emails): the
   * cursor's conditions are only checked on those, never offered to SQLite as a way in, where an
   * index on the sort value could look cheaper and walk a long run of equal values.
   */
  isFilterNarrow?: boolean;
  /**
   * A filter on the sort value itself (a month of payment times): from (inclusive) and before
   * (exclusive). Given here rather than as a filter, so that from a cursor the range's far end and
   * the cursor bound one index range; as two upper bounds, SQLite would seek the range's and walk
   * every row down to the cursor.
   */
  range?: { from?: number; before?: number };
}

export interface KeysetPage<T> {
  rows: T[];
  hasPrevious: boolean;
  hasNext: boolean;
}

/**
 * The conditions that read on from a page's cursor, in turn: the rest of the cursor's own sort value
 * (ids beyond it), then the values beyond. Each is one seek into an index on (value, id), so a page
 * deep inside a long run of equal values (a million orders at two prices) costs what any other does,
 * where `(value, id) < (v, i)` would walk the run from its start. The first page reads from the top.
 */
export function keysetSegments(sort: KeysetSort, start: PageStart): (SQL | undefined)[] {
  const [column, id] = sort.isFilterNarrow ? [sql`+${sort.column}`, sql`+${sort.id}`] : [sort.column, sort.id];
  const from = sort.range?.from === undefined ? undefined : sql`${column} >= ${sort.range.from}`;
  const before = sort.range?.before === undefined ? undefined : sql`${column} < ${sort.range.before}`;
  if ('top' in start) return [and(from, before)];
  const cursor = 'after' in start ? start.after : start.before;
  const toSmaller = (sort.direction === 'desc') === 'after' in start;
  const beyond = sql.raw(toSmaller ? '<' : '>');
  const farEnd = toSmaller ? from : before;
  const rest = and(sql`${column} ${beyond} ${cursor.value}`, farEnd);
  // Sorted by the id itself, there is no tie to finish.
  if (sort.column === sort.id) return [and(sql`${id} ${beyond} ${cursor.id}`, farEnd)];
  return [sql`${column} = ${cursor.value} and ${id} ${beyond} ${cursor.id}`, rest];
}

/** Runs a list's query (a condition, an order and a limit) for the page or chunk that starts at `start`. */
export type ReadRows<T> = (where: SQL | undefined, orderBy: SQL[], limit: number) => T[];

/**
 * One read of a list, a page or a chunk of its CSV: the list's own select (its columns, table and
 * joins, made afresh for each read), its filter with the cursor's condition, in the read's order.
 * Unrun, so tests can check its plan.
 */
export function keysetSelect<T extends SQLiteSelect>(select: () => T, filter: SQL | undefined) {
  return (where: SQL | undefined, orderBy: SQL[], limit: number) =>
    select()
      .where(and(filter, where))
      .orderBy(...orderBy)
      .limit(limit);
}

/** Up to `limit` rows from `start` in the sort's order (or the reverse, before a cursor), segment by segment. */
export function readKeyset<T>(sort: KeysetSort, start: PageStart, limit: number, read: ReadRows<T>): T[] {
  const orderBy = keysetOrder(sort, start);
  const rows: T[] = [];
  for (const where of keysetSegments(sort, start)) {
    rows.push(...read(where, orderBy, limit - rows.length));
    if (rows.length >= limit) break;
  }
  return rows;
}

/** The order to read in: the sort's own, or its reverse when reading the page before a cursor. */
export function keysetOrder(sort: KeysetSort, start: PageStart): SQL[] {
  const descending = (sort.direction === 'desc') !== 'before' in start;
  const by = descending ? desc : asc;
  return [by(sort.column), by(sort.id)];
}

/**
 * `column = value` checked on the rows the sort's index reads, and never chosen by SQLite as the index
 * to read (the unary + hides the column from the planner): for a filter whose own index would mean
 * sorting all its rows, where the sort's index meets matching rows soon.
 */
export function checkedOnly(column: AnyColumn, value: string): SQL {
  return sql`+${column} = ${value}`;
}

/**
 * A page of a list: `limit` rows from `start` in the sort's order, and whether there are pages
 * either side. Two starts fall back to the first page: a cursor outside the sort's range (a link
 * edited by hand, or kept from another filter), which would otherwise read rows the filter leaves
 * out; and going back past rows that have since left the list (emails sent, sessions expired),
 * which finds less than a page before the cursor and no way on from there.
 */
export function readPage<T>(sort: KeysetSort, start: PageStart, limit: number, read: ReadRows<T>): KeysetPage<T> {
  const from = 'top' in start ? start : isInRange(sort, 'after' in start ? start.after : start.before) ? start : TOP;
  const rows = readKeyset(sort, from, limit + 1, read);
  if ('before' in from && rows.length <= limit) return keysetPage(readKeyset(sort, TOP, limit + 1, read), limit, TOP);
  return keysetPage(rows, limit, from);
}

const TOP: PageStart = { top: true };

function isInRange(sort: KeysetSort, cursor: Cursor): boolean {
  const range = sort.range;
  return (
    (range?.from === undefined || cursor.value >= range.from) &&
    (range?.before === undefined || cursor.value < range.before)
  );
}

/** A page from rows read with `limit + 1` (the extra row only says there is more), in the sort's order. */
export function keysetPage<T>(rows: T[], limit: number, start: PageStart): KeysetPage<T> {
  const hasMore = rows.length > limit;
  const page = rows.slice(0, limit);
  if ('before' in start) return { rows: page.reverse(), hasPrevious: hasMore, hasNext: true };
  return { rows: page, hasPrevious: 'after' in start, hasNext: hasMore };
}

/** Rows per query of a CSV export: a few milliseconds of SQLite's time, then the event loop's turn. */
export const CSV_CHUNK_ROWS = 2000;

/**
 * A CSV export in chunks: the header, then each chunk of lines read after the last chunk's final row.
 * Each chunk is its own short query (never an open cursor across awaits, which would hold the
 * connection), so the export's memory stays one chunk whatever the number of rows.
 */
export function* csvChunks(
  header: string,
  readChunk: (after: Cursor | undefined, limit: number) => (Cursor & { line: string })[],
): Generator<string> {
  yield header;
  let after: Cursor | undefined;
  for (;;) {
    const rows = readChunk(after, CSV_CHUNK_ROWS);
    let text = '';
    for (const row of rows) text += row.line;
    if (rows.length > 0) yield text;
    if (rows.length < CSV_CHUNK_ROWS) return;
    const last = rows.at(-1)!;
    after = { value: last.value, id: last.id };
  }
}

/** csvChunks over a keyset sort: each chunk is read (readKeyset) after the last chunk's final row. */
export function keysetCsv(
  header: string,
  sort: KeysetSort,
  read: ReadRows<Cursor & { line: string }>,
): Generator<string> {
  return csvChunks(header, (after, limit) => readKeyset(sort, after ? { after } : { top: true }, limit, read));
}

/** Where a list's figures stop counting: exact below, "10,000 or more" at it, so they cost little at any size. */
export const COUNT_CAP = 10_000;

/** How many rows match `where`, counting no further than COUNT_CAP (through the index that serves `where`). */
export function countUpToCap(db: Db, table: SQLiteTable, where: SQL): number {
  return db.get<{ n: number }>(
    sql`select count(*) as n from (select 1 from ${table} where ${where} limit ${COUNT_CAP})`,
  )!.n;
}
