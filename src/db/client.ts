import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import * as schema from './schema.js';
import { withStatementCache } from './statement-cache.js';
import { projectPath } from '../lib/project-root.js';

export type Db = BetterSQLite3Database<typeof schema>;
/** A transaction handle: accepted wherever a Db is, so queries compose inside one transaction. */
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];
export type DbOrTx = Db | Tx;

export interface Database_ {
  readonly db: Db;
  readonly sqlite: Database.Database;
  close(): void;
}

export const MIGRATIONS_FOLDER = projectPath('migrations');

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
  const db = drizzle({ client: withStatementCache(sqlite), schema });
  return {
    db,
    sqlite,
    close: () => {
      if (sqlite.open) sqlite.close();
    },
  };
}

/** Applies the committed drizzle-kit migrations; safe to run on every start. */
export function migrateDatabase(db: Db): void {
  migrate(db, { migrationsFolder: MIGRATIONS_FOLDER });
}
