import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { sql, type AnyColumn, type Placeholder, type SQL } from 'drizzle-orm';
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import * as schema from './schema/index.js';

/**
 * The database as every query sees it: drizzle over one better-sqlite3 connection. The one way into
 * SQLite is drizzle's query builder, prepared once where a query is hot (`prepared`), with drizzle's
 * `sql` tag naming columns through the schema where SQL must be written by hand. Nothing else in the
 * app talks to the driver; this module holds the little that must (transactions, the durability
 * switch, backups).
 */
export type Db = BetterSQLite3Database<typeof schema> & { $client: Database.Database };

export interface Database_ {
  readonly db: Db;
  /** The driver's own handle: for tests that look underneath, never for the app's queries. */
  readonly sqlite: Database.Database;
  close(): void;
}

/**
 * Opens the SQLite file with the pragmas durability depends on: WAL, synchronous=FULL (a commit is
 * on disk before it returns, so a 2xx to Stripe means the event survives a power cut), foreign keys
 * and a busy timeout so the CLI and the server can share the file.
 */
export function openDatabase(file: string): Database_ {
  if (file !== ':memory:') fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const sqlite = new Database(file);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = FULL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  return wrap(sqlite);
}

/**
 * Opens a database file only to read it (a backup being checked): nothing is written to it or made
 * beside it, and a file that is not there is an error rather than a new empty database.
 */
export function openDatabaseReadOnly(file: string): Database_ {
  return wrap(new Database(file, { readonly: true, fileMustExist: true }));
}

function wrap(sqlite: Database.Database): Database_ {
  return {
    db: drizzle({ client: sqlite, schema }),
    sqlite,
    close: () => {
      if (sqlite.open) sqlite.close();
    },
  };
}

/**
 * Makes a finished backup a file that stands alone: no write-ahead log beside it, so it can be
 * opened read-only, copied or moved as one file.
 */
export function detachBackup(file: string): void {
  const sqlite = new Database(file, { fileMustExist: true });
  try {
    sqlite.pragma('journal_mode = DELETE');
  } finally {
    sqlite.close();
  }
}

export type TransactionBehavior = 'deferred' | 'immediate';

type Runner = Database.Transaction<(work: () => unknown) => unknown>;
const runners = new WeakMap<Db, Runner>();

/**
 * Runs `work` in one transaction, or, inside one already open, in a savepoint of its own (a part
 * that throws is rolled back alone, and the error goes on up). `work` gets the same handle back:
 * there is one connection, so every query on it while the transaction is open belongs to it, and a
 * query function takes the database whether or not its caller holds a transaction. The work must
 * be synchronous (the driver refuses a promise): no network inside a transaction. This is the
 * driver's own transaction function, which costs a fraction of drizzle's.
 */
export function transaction<T>(db: Db, work: (tx: Db) => T, behavior: TransactionBehavior = 'deferred'): T {
  let runner = runners.get(db);
  if (!runner) runners.set(db, (runner = db.$client.transaction((inner: () => unknown) => inner())));
  return runner[behavior](() => work(db)) as T;
}

/**
 * Runs `work` with commits that skip the fsync (synchronous=NORMAL): in WAL mode such a commit
 * survives the app crashing, and only a power cut can lose it. For work whose loss is harmless
 * because it is redone (processing stored events, the outbox's own bookkeeping); everything else,
 * webhooks and queueing above all, keeps synchronous=FULL. The setting is the connection's and
 * cannot change inside a transaction, so this wraps one.
 */
export function withRelaxedDurability<T>(db: Db, work: () => T): T {
  let switches = durabilitySwitches.get(db);
  if (!switches) {
    switches = {
      relax: db.$client.prepare('pragma synchronous = NORMAL'),
      restore: db.$client.prepare('pragma synchronous = FULL'),
    };
    durabilitySwitches.set(db, switches);
  }
  switches.relax.run();
  try {
    return work();
  } finally {
    switches.restore.run();
  }
}

const durabilitySwitches = new WeakMap<Db, { relax: Database.Statement; restore: Database.Statement }>();

const preparedByDb = new WeakMap<Db, Map<unknown, unknown>>();

/**
 * A drizzle query built and prepared once per database, then run with placeholders. Building a
 * query costs more than SQLite takes to answer it: a quarter of the time processing a purchase took
 * went to building the same two dozen statements over and over. `build` must be a module-level
 * function (it is the cache key) that names every value with `sql.placeholder` (or `param`). The
 * prepared query runs inside whatever transaction is open on the connection.
 */
export function prepared<Q>(db: Db, build: (db: Db) => Q): Q {
  let queries = preparedByDb.get(db);
  if (!queries) preparedByDb.set(db, (queries = new Map()));
  let query = queries.get(build) as Q | undefined;
  if (query === undefined) queries.set(build, (query = build(db)));
  return query;
}

/**
 * A prepared query's value for `column`, where drizzle wants SQL (an update's `set`): given when the
 * query runs, and mapped as the schema maps the column (a boolean to 0 or 1, packed text packed),
 * as a placeholder in an insert's values is.
 */
export function param(column: AnyColumn, name: string): SQL {
  return sql`${sql.param(sql.placeholder(name), column)}`;
}

/** Throws unless the database answers a query (the liveness check). */
export function checkDatabaseAnswers(db: Db): void {
  db.get(sql`select 1`);
}

/**
 * `{ a: sql.placeholder('a'), … }`, an insert's values each given when the prepared query runs (mapped
 * as the schema maps its column).
 */
export function placeholdersFor<const K extends string>(fields: readonly K[]): Record<K, Placeholder> {
  const values = {} as Record<K, Placeholder>;
  for (const field of fields) values[field] = sql.placeholder(field);
  return values;
}

/** The same for an update's `set`: each field of `columns` given when the prepared query runs (see `param`). */
export function paramsFor<const K extends string>(columns: Record<K, AnyColumn>, fields: readonly K[]): Record<K, SQL> {
  const values = {} as Record<K, SQL>;
  for (const field of fields) values[field] = param(columns[field], field);
  return values;
}

/** An online, consistent copy of the database into `target`, while writers carry on. */
export function backupDatabase(db: Db, target: string, onProgress: (share: number) => void): Promise<unknown> {
  return db.$client.backup(target, {
    progress: ({ totalPages, remainingPages }) => {
      onProgress((totalPages - remainingPages) / Math.max(totalPages, 1));
      return 256;
    },
  });
}
