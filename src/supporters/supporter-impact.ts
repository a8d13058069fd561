import { and, desc, eq, inArray, notInArray, sql } from 'drizzle-orm';
import type { Database as SqliteConnection } from 'better-sqlite3';
import type { Db, DbOrTx } from '../db/client.js';
import { disputes, ledgerEntries, orders, supporters, supporterTotals } from '../db/schema.js';
import { maskEmail } from './supporters.queries.js';

export type OrderDisplayStatus = 'paid' | 'partially_refunded' | 'refunded' | 'disputed' | 'dispute_lost' | 'awaiting_payment' | 'payment_failed';

export interface SupporterOrder {
  checkoutSessionId: string;
  paidAt: string | null;
  pairs: number;
  trapWeeks: number;
  status: OrderDisplayStatus;
}

export interface SupporterImpact {
  supporterId: number;
  email: string;
  name: string | null;
  isSubscribed: boolean;
  pairs: number;
  trapWeeks: number;
  orders: SupporterOrder[];
}

const OPEN_DISPUTE = ['warning_needs_response', 'warning_under_review', 'needs_response', 'under_review'];

/**
 * The page a shopper opens most: its queries are prepared once per database handle (building a
 * query costs several times more than SQLite takes to answer it), and read only columns that the
 * orders_supporter and ledger_supporter indexes hold, where one shopper's rows sit side by side:
 * a page or two per query however big the tables grow.
 */
function prepareQueries(db: DbOrTx) {
  const supporterId = sql.placeholder('supporterId');
  return {
    supporter: db.select().from(supporters).where(eq(supporters.token, sql.placeholder('token'))).prepare(),
    totals: db.select().from(supporterTotals).where(eq(supporterTotals.supporterId, supporterId)).prepare(),
    orders: db
      .select({ id: orders.id, checkoutSessionId: orders.checkoutSessionId, paymentIntentId: orders.paymentIntentId, status: orders.status, paidAt: orders.paidAt })
      .from(orders)
      .where(and(eq(orders.supporterId, supporterId), notInArray(orders.status, ['open', 'expired'])))
      .orderBy(desc(orders.paidAt), desc(orders.id))
      .prepare(),
    // An order's entries carry its supporter (supporter_totals is summed from the same column).
    sums: db
      .select({
        orderId: ledgerEntries.orderId,
        kind: ledgerEntries.kind,
        pairs: sql<number>`sum(${ledgerEntries.pairs})`,
        trapWeeks: sql<number>`sum(${ledgerEntries.trapWeeks})`,
      })
      .from(ledgerEntries)
      .where(eq(ledgerEntries.supporterId, supporterId))
      .groupBy(ledgerEntries.orderId, ledgerEntries.kind)
      .prepare(),
    disputedIntents: db
      .selectDistinct({ pi: disputes.paymentIntentId })
      .from(disputes)
      .innerJoin(orders, eq(disputes.paymentIntentId, orders.paymentIntentId))
      .where(and(eq(orders.supporterId, supporterId), inArray(disputes.status, OPEN_DISPUTE)))
      .prepare(),
  };
}

type Queries = ReturnType<typeof prepareQueries>;
type Read = (token: string) => SupporterImpact | undefined;

const readers = new WeakMap<DbOrTx, Read>();

/**
 * All five reads in one read transaction: one consistent snapshot, and one WAL read lock instead
 * of five (each costs about as much as the read itself). better-sqlite3's own transaction, because
 * drizzle's builds a query builder per table on every call; given a transaction, the reads join it.
 */
function readerFor(db: DbOrTx): Read {
  const known = readers.get(db);
  if (known) return known;
  const queries = prepareQueries(db);
  const readOnce: Read = (token) => readSupporterImpact(queries, token);
  const read: Read = isDatabase(db) ? db.$client.transaction(readOnce) : readOnce;
  readers.set(db, read);
  return read;
}

/** drizzle() hands back the better-sqlite3 connection as `$client`; a transaction handle has none. */
function isDatabase(db: DbOrTx): db is Db & { $client: SqliteConnection } {
  return '$client' in db;
}

type KindSums = { kind: string; pairs: number; trapWeeks: number }[];

/** A supporter's own impact, found by their private token; undefined for an unknown token. */
export function findSupporterImpact(db: DbOrTx, token: string): SupporterImpact | undefined {
  return readerFor(db)(token);
}

function readSupporterImpact(queries: Queries, token: string): SupporterImpact | undefined {
  const supporter = queries.supporter.get({ token });
  if (!supporter) return undefined;
  const totals = queries.totals.get({ supporterId: supporter.id });
  const orderRows = queries.orders.all({ supporterId: supporter.id });
  const sumsByOrder = new Map<number, KindSums>();
  for (const row of queries.sums.all({ supporterId: supporter.id })) {
    if (row.orderId === null) continue;
    const list = sumsByOrder.get(row.orderId) ?? [];
    list.push(row);
    sumsByOrder.set(row.orderId, list);
  }
  const disputed = new Set(queries.disputedIntents.all({ supporterId: supporter.id }).map((d) => d.pi));

  return {
    supporterId: supporter.id,
    email: maskEmail(supporter.email),
    name: supporter.name,
    isSubscribed: supporter.isSubscribed,
    pairs: totals?.pairs ?? 0,
    trapWeeks: totals?.trapWeeks ?? 0,
    orders: orderRows.map((order) => {
      const mine = sumsByOrder.get(order.id) ?? [];
      const of = (kinds: string[]) => mine.filter((s) => kinds.includes(s.kind));
      const pairs = mine.reduce((n, s) => n + s.pairs, 0);
      const soldPairs = of(['sale', 'adjustment']).reduce((n, s) => n + s.pairs, 0);
      const refunded = of(['refund']).reduce((n, s) => n - s.pairs, 0);
      const disputeLost = of(['dispute_lost', 'dispute_won']).reduce((n, s) => n - s.pairs, 0);
      let status: OrderDisplayStatus = 'paid';
      if (order.status === 'failed') status = 'payment_failed';
      else if (order.status !== 'paid') status = 'awaiting_payment';
      else if (disputeLost > 0) status = 'dispute_lost';
      else if (order.paymentIntentId && disputed.has(order.paymentIntentId)) status = 'disputed';
      else if (refunded > 0) status = refunded >= soldPairs ? 'refunded' : 'partially_refunded';
      return {
        checkoutSessionId: order.checkoutSessionId,
        paidAt: order.paidAt === null ? null : new Date(order.paidAt).toISOString(),
        pairs,
        trapWeeks: mine.reduce((n, s) => n + s.trapWeeks, 0),
        status,
      };
    }),
  };
}
