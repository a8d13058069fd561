import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { projectPath } from '../lib/project-root.js';
import type { Db } from './client.js';
import { ensureRunningSums } from './running-sums.js';

export const MIGRATIONS_FOLDER = projectPath('migrations');

/**
 * Brings a database up to date: the committed drizzle-kit migrations, then the triggers that keep
 * the ledger's running sums (rebuilding the sums when those changed). Safe to run on every start.
 */
export function migrateDatabase(db: Db): { isRunningSumsRebuilt: boolean } {
  migrate(db, { migrationsFolder: MIGRATIONS_FOLDER });
  return { isRunningSumsRebuilt: ensureRunningSums(db).isRebuilt };
}
