import { COUNT_CAP, type Cursor, type KeysetPage } from '../../../db/keyset.js';
import { formatNumber } from '../../../lib/format.js';
import type { ListQuery, ListSpec } from '../../routes/admin/list-query.js';

/**
 * What every console list shows around its rows: sortable column headers, the pager (first,
 * previous, next), the CSV link with the same query, the notes about parameters left out, and
 * whether a filter is on (for the empty state's "clear the filter" link).
 */
export function listPageView<S extends string, T>(
  spec: ListSpec<S>,
  q: ListQuery<S>,
  page: KeysetPage<T>,
  cursorOf: (row: T) => Cursor,
) {
  const link = (extra: { after?: string; before?: string }, path = spec.path) =>
    listUrl(path, spec, { filters: q.filters, ...extra }, q.sort, q.direction);
  const option = spec.sorts[q.sort];
  const [previousLabel, nextLabel] =
    q.direction === 'desc' ? [option.higher, option.lower] : [option.lower, option.higher];
  const first = page.rows[0];
  const last = page.rows.at(-1);
  const isNarrowed = Object.keys(q.filters).length > 0 || option.isNarrowing === true;
  const clearUrl = isNarrowed ? spec.path : null;
  return {
    notes: q.notes,
    /** The filter form's values, with the sort and direction it keeps in hidden fields. */
    filter: { ...q.filters, sort: q.sort, dir: q.direction },
    /** Nothing to list at all (no filter, no page before): the page says how rows arrive. */
    isEmpty: page.rows.length === 0 && !clearUrl && !page.hasPrevious,
    sortCaption: `${option.label}, ${(q.direction === 'desc' ? option.higher : option.lower).toLowerCase()} first`,
    sort: Object.fromEntries((Object.keys(spec.sorts) as S[]).map((key) => [key, sortHeader(spec, q, key)])) as Record<
      S,
      ReturnType<typeof sortHeader>
    >,
    pager: {
      hasPages: page.hasPrevious || page.hasNext,
      firstUrl: page.hasPrevious ? link({}) : null,
      previousUrl: page.hasPrevious && first ? link({ before: cursorText(cursorOf(first)) }) : null,
      nextUrl: page.hasNext && last ? link({ after: cursorText(cursorOf(last)) }) : null,
      previousLabel,
      nextLabel,
    },
    csvUrl: link({}, `${spec.path}.csv`),
    clearUrl,
  };
}

/** A column header's link (the other direction when it is the sort already) and its aria-sort. */
function sortHeader<S extends string>(spec: ListSpec<S>, q: ListQuery<S>, key: S) {
  const isSorted = q.sort === key;
  const direction = isSorted && q.direction === 'desc' ? 'asc' : 'desc';
  return {
    label: spec.sorts[key].label,
    url: listUrl(spec.path, spec, q, key, direction),
    ariaSort: isSorted ? (q.direction === 'desc' ? 'descending' : 'ascending') : null,
  };
}

/** A link to the list with its filters, a sort and direction (left out when the default), and a cursor if any. */
function listUrl<S extends string>(
  path: string,
  spec: ListSpec<S>,
  q: { filters: Record<string, string>; after?: string; before?: string },
  sort: S,
  direction: string,
): string {
  const params = new URLSearchParams(q.filters);
  if (sort !== spec.defaultSort) params.set('sort', sort);
  if (direction !== 'desc') params.set('dir', direction);
  if (q.after) params.set('after', q.after);
  if (q.before) params.set('before', q.before);
  return params.size ? `${path}?${params}` : path;
}

const cursorText = (c: Cursor) => `${c.value}.${c.id}`;

/** A count that stopped at COUNT_CAP, in words: exact below it, "10,000 or more" at it. */
export function cappedCount(n: number): string {
  return n >= COUNT_CAP ? `${formatNumber(COUNT_CAP)} or more` : formatNumber(n);
}
