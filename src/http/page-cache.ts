import { createHash } from 'node:crypto';
import { sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';

/** How often another process's commits are looked for. */
const OTHER_PROCESS_CHECK_MS = 200;

/**
 * Public answers (the home page, the badge, the latest census) kept until the database changes.
 * This connection's own writes (every purchase, refund and staff edit the server makes) are seen
 * at once: total_changes() counts them and costs a fraction of a microsecond. Another process's
 * commits (the command line, a second server) move data_version, which costs as much as a real
 * read, so it is looked at no more than every 200 ms: their changes show within that time.
 * Holds a handful of fixed keys, never anything per shopper.
 */
export class PageCache {
  private readonly changes: ReturnType<typeof changesStatement>;
  private readonly version: ReturnType<typeof versionStatement>;
  private seenChanges: unknown;
  private seenVersion: unknown;
  private nextVersionCheckAt = 0;
  private readonly entries = new Map<string, unknown>();

  constructor(db: Db) {
    this.changes = changesStatement(db);
    this.version = versionStatement(db);
  }

  get<T>(key: string, compute: () => T): T {
    this.forgetIfChanged();
    if (this.entries.has(key)) return this.entries.get(key) as T;
    const value = compute();
    this.entries.set(key, value);
    return value;
  }

  private forgetIfChanged(): void {
    const changes = this.changes.get()?.changes;
    if (changes !== this.seenChanges) {
      this.entries.clear();
      this.seenChanges = changes;
    }
    const now = performance.now(); // real time, not the app clock: this is about freshness, not dates
    if (now < this.nextVersionCheckAt) return;
    this.nextVersionCheckAt = now + OTHER_PROCESS_CHECK_MS;
    const version = this.version.get()?.version;
    if (version !== this.seenVersion) {
      this.entries.clear();
      this.seenVersion = version;
    }
  }
}

/** Changes this connection has made, ever: moves with each of its own writes. */
const changesStatement = (db: Db) =>
  db
    .select({ changes: sql<number>`total_changes()` })
    .from(sql`(select 1)`)
    .prepare();
/** Moves when another connection commits (pragma data_version, as a table-valued function). */
const versionStatement = (db: Db) =>
  db
    .select({ version: sql<number>`data_version` })
    .from(sql`pragma_data_version`)
    .prepare();

export interface CachedBody {
  /** Bytes, not a string: a string would be encoded afresh for every response. */
  body: Buffer;
  etag: string;
}

/** A body as bytes with its strong ETag, both computed once instead of on every response. */
export function withEtag(text: string): CachedBody {
  const body = Buffer.from(text, 'utf8');
  return { body, etag: `"${createHash('sha1').update(body).digest('base64url')}"` };
}
