import type Database from 'better-sqlite3';

/** Enough for every query shape the app has, with room; the least recently used go first. */
const DEFAULT_SIZE = 1000;

/**
 * The same connection, seen through a prepare() that keeps the statements it compiled, by their
 * SQL. drizzle prepares every query it runs afresh, and SQLite compiling a statement costs more
 * than running it (processing one checkout runs about thirty). drizzle's SQL carries values as
 * parameters, so a query's text is the same on every call.
 *
 * Safe for drizzle's use: it runs a statement to completion before it returns (never an iterator
 * left open), so a shared statement is never busy; and a statement comes back with rows as
 * objects, since drizzle switches a statement to rows as arrays (`raw()`) only when it wants them.
 * Code that iterates a statement or sets pluck() or raw() prepares its own on the connection itself.
 */
export function withStatementCache(sqlite: Database.Database, size = DEFAULT_SIZE): Database.Database {
  const cache = new Map<string, Database.Statement>();
  const prepare = (source: string): Database.Statement => {
    const known = cache.get(source);
    if (known) {
      cache.delete(source); // re-inserted: a Map keeps insertion order, so the first key is the oldest
      cache.set(source, known);
      return known.reader ? known.raw(false) : known;
    }
    const statement = sqlite.prepare(source);
    cache.set(source, statement);
    if (cache.size > size) cache.delete(cache.keys().next().value!);
    return statement;
  };
  return new Proxy(sqlite, {
    get(target, property) {
      if (property === 'prepare') return prepare;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
