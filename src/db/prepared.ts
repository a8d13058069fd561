import { sql } from 'drizzle-orm';
import type { DbOrTx } from './client.js';

const byConnection = new WeakMap<object, Map<unknown, unknown>>();

/** The connection a handle runs on: a transaction's is its database's. */
function connectionOf(db: DbOrTx): object {
  return (db as unknown as { session: { client: object } }).session.client;
}

/**
 * A drizzle query built and prepared once per connection, then run with placeholders. Building a
 * query costs more than SQLite takes to answer it: a quarter of the time processing a purchase took
 * went to building the same two dozen statements over and over. `build` must be a module-level
 * function (it is the cache key) that names every value with sql.placeholder. The prepared query
 * runs inside whatever transaction is open on its connection, so a transaction's handle will do.
 */
export function prepared<Q>(db: DbOrTx, build: (db: DbOrTx) => Q): Q {
  const connection = connectionOf(db);
  let queries = byConnection.get(connection);
  if (!queries) byConnection.set(connection, (queries = new Map()));
  let query = queries.get(build) as Q | undefined;
  if (query === undefined) queries.set(build, (query = build(db)));
  return query;
}

/** A value given when a prepared query runs, where drizzle expects SQL (an update's `set`, an insert's values). */
export function placeholder(name: string) {
  return sql`${sql.placeholder(name)}`;
}
