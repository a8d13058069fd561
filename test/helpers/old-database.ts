import fs from 'node:fs';
import path from 'node:path';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { afterEach } from 'vitest';
import { openDatabase, type Database_ } from '../../src/db/client.js';
import { MIGRATIONS_FOLDER } from '../../src/db/migrate.js';
import { makeTempDir } from './test-app.js';

const open: Database_[] = [];
afterEach(() => {
  for (const database of open.splice(0)) database.close();
});

/** A database migrated only up to (not including) the migration tagged `before`, as an older release left it. */
export function databaseBefore(before: string): Database_ {
  const dir = makeTempDir();
  const folder = path.join(dir, 'migrations');
  fs.mkdirSync(path.join(folder, 'meta'), { recursive: true });
  const journal = JSON.parse(fs.readFileSync(path.join(MIGRATIONS_FOLDER, 'meta', '_journal.json'), 'utf8')) as {
    entries: { tag: string }[];
  };
  const upTo = journal.entries.findIndex((entry) => entry.tag.startsWith(before));
  if (upTo <= 0) throw new Error(`no migration tagged ${before}…, or it is the first`);
  journal.entries = journal.entries.slice(0, upTo);
  fs.writeFileSync(path.join(folder, 'meta', '_journal.json'), JSON.stringify(journal));
  for (const { tag } of journal.entries)
    fs.copyFileSync(path.join(MIGRATIONS_FOLDER, `${tag}.sql`), path.join(folder, `${tag}.sql`));
  return openAndKeep(path.join(dir, 'old.db'), (database) => migrate(database.db, { migrationsFolder: folder }));
}

/** Opens a database file, closed after the test. */
export function openAndKeep(file: string, then: (database: Database_) => void = () => {}): Database_ {
  const database = openDatabase(file);
  open.push(database);
  then(database);
  return database;
}
