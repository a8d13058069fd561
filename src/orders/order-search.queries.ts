import { and, eq, isNotNull, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { csvLineSql, csvTextSql, isoSql } from '../db/csv-sql.js';
import {
  csvChunks,
  keysetCsv,
  keysetSelect,
  readPage,
  type Cursor,
  type Direction,
  type KeysetPage,
  type KeysetSort,
  type PageStart,
} from '../db/keyset.js';
import { charges, disputes, orderLines, orders, refunds, supporters } from '../db/schema/index.js';
import { csvRow } from '../lib/csv.js';
import { periodEnd, periodStart } from '../lib/months.js';
import { normaliseEmail } from '../lib/email-address.js';
import type { OrderStatus } from './orders.queries.js';

/** The sorts the order list offers, each served by an index alone and after a status (migration 0022). */
export const ORDER_SORTS = ['created', 'paid', 'amount'] as const;
export type OrderSort = (typeof ORDER_SORTS)[number];

export interface OrderSearch {
  /** An email, or a Stripe id: checkout session, payment intent, charge, refund or dispute. */
  text?: string;
  status?: OrderStatus;
  /** YYYY-MM: paid in that month. Only with the `paid` sort (else ignored), which reads the same index. */
  month?: string;
  hasUnmappedLines?: boolean;
  sort: OrderSort;
  direction: Direction;
}

export interface OrderListRow {
  id: number;
  checkoutSessionId: string;
  status: OrderStatus;
  createdAt: number;
  paidAt: number | null;
  amountTotalMinor: number;
  currency: string;
  email: string | null;
  pairs: number;
  hasUnmappedLines: boolean;
}

const SORT_COLUMNS = { created: orders.createdAt, paid: orders.paidAt, amount: orders.amountTotalMinor };

const unmappedLines = sql`select ${orderLines.orderId} from ${orderLines} where ${orderLines.pairsPerUnit} is null`;
/** Per row (a lookup in order_lines_unmapped). */
const hasUnmapped = sql`exists (${unmappedLines} and ${orderLines.orderId} = ${orders.id})`;
/** As a filter: read from the unmapped lines' own small index, not by testing every order. */
const amongUnmapped = sql`${orders.id} in (${unmappedLines})`;

/** A page of orders in the search's sort, filtered; each page is an index walk, however deep. */
export function searchOrders(db: Db, search: OrderSearch, start: PageStart, limit: number): KeysetPage<OrderListRow> {
  const query = orderPageQuery(db, search);
  if (!query) return { rows: [], hasPrevious: false, hasNext: false };
  return readPage(query.sort, start, limit, (where, orderBy, n) => query.build(where, orderBy, n).all());
}

/** The list's query, unrun (its plans are checked in tests): null when the search text matches no order. */
export function orderPageQuery(db: Db, search: OrderSearch) {
  const query = orderQuery(db, search);
  if (!query) return null;
  const build = keysetSelect(
    () =>
      db
        .select({
          id: orders.id,
          checkoutSessionId: orders.checkoutSessionId,
          status: orders.status,
          createdAt: orders.createdAt,
          paidAt: orders.paidAt,
          amountTotalMinor: orders.amountTotalMinor,
          currency: orders.currency,
          email: supporters.email,
          pairs: orders.pairs,
          hasUnmappedLines: sql<number>`${hasUnmapped}`.mapWith(Boolean),
        })
        .from(orders)
        .leftJoin(supporters, eq(supporters.id, orders.supporterId))
        .$dynamic(),
    query.where,
  );
  return { sort: query.sort, build };
}

/** Where a row stands in the order list's sort. */
export function orderCursor(search: Pick<OrderSearch, 'sort'>, row: OrderListRow): Cursor {
  const value = search.sort === 'created' ? row.createdAt : search.sort === 'paid' ? row.paidAt! : row.amountTotalMinor;
  return { value, id: row.id };
}

/** Every order the search matches (all pages), in its sort, as CSV written by SQLite a chunk at a time. */
export function ordersCsv(db: Db, search: OrderSearch): Generator<string> {
  const query = orderQuery(db, search);
  const o = orders;
  const line = csvLineSql([
    sql`${o.id}`,
    csvTextSql(o.checkoutSessionId),
    csvTextSql(o.paymentIntentId),
    sql`${o.status}`,
    isoSql(o.createdAt),
    isoSql(o.paidAt),
    csvTextSql(supporters.email),
    sql`${o.amountTotalMinor}`,
    csvTextSql(o.currency),
    sql`${o.pairs}`,
    sql`${o.trapWeeks}`,
    sql`${o.refundedPairs}`,
    sql`${o.reversedPairs}`,
    sql`case when ${hasUnmapped} then 'true' else 'false' end`,
  ]);
  if (!query) return csvChunks(ORDERS_CSV_HEADER, () => []);
  const read = keysetSelect(
    () =>
      db
        .select({ value: sql<number>`${query.sort.column}`, id: o.id, line })
        .from(o)
        .leftJoin(supporters, eq(supporters.id, o.supporterId))
        .$dynamic(),
    query.where,
  );
  return keysetCsv(ORDERS_CSV_HEADER, query.sort, (where, orderBy, limit) => read(where, orderBy, limit).all());
}

export const ORDERS_CSV_HEADER = csvRow([
  'order_id',
  'checkout_session_id',
  'payment_intent_id',
  'status',
  'created_at',
  'paid_at',
  'email',
  'amount_minor',
  'currency',
  'pairs',
  'trap_weeks',
  'refunded_pairs',
  'reversed_pairs',
  'has_unmapped_lines',
]);

/** The search's condition and keyset sort; null when the search text cannot match any order. */
function orderQuery(db: Db, search: OrderSearch) {
  const match = search.text ? matchText(db, search.text.trim()) : undefined;
  if (match === null) return null;
  const column = SORT_COLUMNS[search.sort];
  return {
    where: and(
      match,
      search.status ? eq(orders.status, search.status) : undefined,
      // Orders never paid have no payment time: the paid sort lists those that have one.
      search.sort === 'paid' ? isNotNull(orders.paidAt) : undefined,
      search.hasUnmappedLines ? amongUnmapped : undefined,
    ),
    sort: {
      column,
      id: orders.id,
      direction: search.direction,
      isFilterNarrow: match !== undefined || search.hasUnmappedLines,
      // A month is a range of payment times, read with the paid sort's own index (the route sorts by it).
      range: search.month ? { from: periodStart(search.month), before: periodEnd(search.month) } : undefined,
    } satisfies KeysetSort,
  };
}

/** The condition a search text stands for; null when it cannot match any order. */
function matchText(db: Db, text: string): SQL | null {
  if (text.includes('@')) {
    const email = normaliseEmail(text);
    const supporter = email
      ? db.select({ id: supporters.id }).from(supporters).where(eq(supporters.email, email)).get()
      : undefined;
    return supporter ? eq(orders.supporterId, supporter.id) : null;
  }
  if (/^\d{1,15}$/.test(text)) return eq(orders.id, Number(text));
  if (text.startsWith('cs_')) return eq(orders.checkoutSessionId, text);
  if (text.startsWith('pi_')) return eq(orders.paymentIntentId, text);
  const table =
    text.startsWith('ch_') || text.startsWith('py_')
      ? charges
      : text.startsWith('re_') || text.startsWith('pyr_')
        ? refunds
        : text.startsWith('dp_') || text.startsWith('du_')
          ? disputes
          : null;
  if (!table) return null;
  const intent = db.select({ pi: table.paymentIntentId }).from(table).where(eq(table.id, text)).get()?.pi;
  return intent ? eq(orders.paymentIntentId, intent) : null;
}
