import { createHash } from 'node:crypto';
import type Database from 'better-sqlite3';

/**
 * Public answers (the home page, the badge, the latest census) kept until anything in the database
 * changes, so they are never staler than the data. A change is seen two ways: total_changes()
 * counts every row this connection has written, and data_version moves when another connection
 * (the CLI, a second process) commits. Both are read from prepared statements: microseconds.
 * Holds a handful of fixed keys, never anything per shopper.
 */
export class PageCache {
  private readonly changes: Database.Statement;
  private readonly version: Database.Statement;
  private stamp = '';
  private readonly entries = new Map<string, unknown>();

  constructor(sqlite: Database.Database) {
    this.changes = sqlite.prepare('select total_changes()').pluck();
    this.version = sqlite.prepare('pragma data_version').pluck();
  }

  get<T>(key: string, compute: () => T): T {
    const stamp = `${this.changes.get()}:${this.version.get()}`;
    if (stamp !== this.stamp) {
      this.entries.clear();
      this.stamp = stamp;
    }
    if (this.entries.has(key)) return this.entries.get(key) as T;
    const value = compute();
    this.entries.set(key, value);
    return value;
  }

  forget(key: string): void {
    this.entries.delete(key);
  }
}

export interface CachedBody {
  body: string;
  etag: string;
}

/** A body with its strong ETag, computed once instead of on every response. */
export function withEtag(body: string): CachedBody {
  return { body, etag: `"${createHash('sha1').update(body).digest('base64url')}"` };
}
