import type { Cursor, Direction, PageStart } from '../../../db/keyset.js';
import { isPeriod } from '../../../lib/months.js';

/**
 * The query string of a console list (its sort, its page, its filters), read leniently: a value
 * that makes no sense is left out, with a note the page shows, and never reaches a query.
 */

export interface ListSortOption {
  label: string;
  /** What the rows further down are, then those further up, when sorted high to low ("Older", "Newer"). */
  lower: string;
  higher: string;
  /** The sort lists only some rows (paid orders, sent emails, unsent ones): an empty page is a filter's, not an empty list. */
  isNarrowing?: boolean;
}

export interface ListSpec<S extends string> {
  path: string;
  sorts: Record<S, ListSortOption>;
  defaultSort: S;
}

export interface ListQuery<S extends string> {
  sort: S;
  direction: Direction;
  start: PageStart;
  /** The filters as they will be kept in links: only the values that were understood. */
  filters: Record<string, string>;
  notes: string[];
}

export type Query = Record<string, unknown>;

/** One query parameter as trimmed text; '' when absent, and when repeated (with a note). */
export function listParam(query: Query, name: string, notes: string[]): string {
  const value = query[name];
  if (Array.isArray(value) || (value !== undefined && typeof value !== 'string')) {
    notes.push(`“${name}” was given more than once, so it is ignored.`);
    return '';
  }
  return (value ?? '').trim();
}

/** A parameter that must be one of `allowed`; anything else is ignored with a note naming the choices. */
export function choiceParam<T extends string>(
  query: Query,
  name: string,
  allowed: readonly T[],
  notes: string[],
): T | undefined {
  const value = listParam(query, name, notes);
  if (value === '') return undefined;
  const found = allowed.find((a) => a === value);
  if (!found) notes.push(`There is no ${name} “${value}” (choose from ${allowed.join(', ')}), so it is ignored.`);
  return found;
}

/** A month parameter (YYYY-MM). */
export function monthListParam(query: Query, name: string, notes: string[]): string | undefined {
  const value = listParam(query, name, notes);
  if (value === '') return undefined;
  if (isPeriod(value)) return value;
  notes.push(`Months look like 2025-01, not “${value}”, so that filter is ignored.`);
  return undefined;
}

/** A day parameter (YYYY-MM-DD), as the epoch milliseconds of its start (UTC). */
export function dayListParam(query: Query, name: string, notes: string[]): { text: string; at: number } | undefined {
  const value = listParam(query, name, notes);
  if (value === '') return undefined;
  const at = /^\d{4}-\d{2}-\d{2}$/.test(value) ? Date.parse(`${value}T00:00:00Z`) : NaN;
  if (Number.isFinite(at) && new Date(at).toISOString().startsWith(value)) return { text: value, at };
  notes.push(`Dates look like 2025-01-31, not “${value}”, so that filter is ignored.`);
  return undefined;
}

/** The sort, direction and page start of a list. */
export function readListQuery<S extends string>(
  query: Query,
  spec: ListSpec<S>,
  filters: Record<string, string | undefined>,
  notes: string[],
): ListQuery<S> {
  const sorts = Object.keys(spec.sorts) as S[];
  const sort = choiceParam(query, 'sort', sorts, notes) ?? spec.defaultSort;
  const direction = choiceParam(query, 'dir', ['asc', 'desc'] as const, notes) ?? 'desc';
  const after = cursorParam(query, 'after', notes);
  const before = after ? undefined : cursorParam(query, 'before', notes);
  const start: PageStart = after ? { after } : before ? { before } : { top: true };
  const kept = Object.fromEntries(Object.entries(filters).filter((e): e is [string, string] => !!e[1]));
  return { sort, direction, start, filters: kept, notes };
}

/** A page cursor: `<sort value>.<id>`, both integers that fit a double exactly. */
function cursorParam(query: Query, name: string, notes: string[]): Cursor | undefined {
  const value = listParam(query, name, notes);
  if (value === '') return undefined;
  const match = /^(-?\d{1,16})\.(\d{1,16})$/.exec(value);
  const cursor = match ? { value: Number(match[1]), id: Number(match[2]) } : undefined;
  if (cursor && Number.isSafeInteger(cursor.value) && Number.isSafeInteger(cursor.id)) return cursor;
  notes.push('That page link was not understood, so this is the first page.');
  return undefined;
}
