import { asc, desc, sql, type AnyColumn, type SQL } from 'drizzle-orm';

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
}

export interface KeysetPage<T> {
  rows: T[];
  hasPrevious: boolean;
  hasNext: boolean;
}

/** The condition that starts the page at its cursor; undefined on the first page. */
export function keysetWhere(sort: KeysetSort, start: PageStart): SQL | undefined {
  if ('top' in start) return undefined;
  const cursor = 'after' in start ? start.after : start.before;
  const toSmaller = (sort.direction === 'desc') === 'after' in start;
  const key = sql`(${sort.column}, ${sort.id})`;
  const at = sql`(${cursor.value}, ${cursor.id})`;
  return toSmaller ? sql`${key} < ${at}` : sql`${key} > ${at}`;
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

/**
 * csvChunks over a keyset sort: `read` runs the list's own query with the cursor's condition, the
 * sort's order and a limit, and returns each row's cursor and CSV line.
 */
export function keysetCsv(
  header: string,
  sort: KeysetSort,
  read: (cursorWhere: SQL | undefined, orderBy: SQL[], limit: number) => (Cursor & { line: string })[],
): Generator<string> {
  return csvChunks(header, (after, limit) => {
    const start: PageStart = after ? { after } : { top: true };
    return read(keysetWhere(sort, start), keysetOrder(sort, start), limit);
  });
}
