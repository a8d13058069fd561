import path from 'node:path';
import Database from 'better-sqlite3';
import { eq, sql } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import { migrateDatabase, openDatabase } from '../../src/db/client.js';
import { supporters } from '../../src/db/schema.js';
import { withStatementCache } from '../../src/db/statement-cache.js';
import { makeTempDir } from '../helpers/test-app.js';

const open: Database.Database[] = [];
afterEach(() => {
  for (const sqlite of open.splice(0)) sqlite.close();
});

function connection(): Database.Database {
  const sqlite = new Database(path.join(makeTempDir(), 'cache.db'));
  open.push(sqlite);
  return sqlite;
}

describe('the statement cache drizzle runs its queries through', () => {
  it('compiles a query once and hands the same statement back for the same SQL', () => {
    const sqlite = connection();
    let compiled = 0;
    const prepare = sqlite.prepare.bind(sqlite);
    sqlite.prepare = ((source: string) => (compiled++, prepare(source))) as typeof sqlite.prepare;
    const cached = withStatementCache(sqlite);
    const first = cached.prepare('select 1 as one');
    expect(cached.prepare('select 1 as one')).toBe(first);
    expect(cached.prepare('select 2 as two')).not.toBe(first);
    expect(compiled).toBe(2);
  });

  it('hands a statement back with rows as objects, whatever mode drizzle left it in', () => {
    const cached = withStatementCache(connection());
    expect(cached.prepare('select 1 as one').raw(true).get()).toEqual([1]);
    expect(cached.prepare('select 1 as one').get()).toEqual({ one: 1 });
  });

  it('keeps only the most recently used statements, and still answers for the ones it let go', () => {
    const cached = withStatementCache(connection(), 2);
    const a = cached.prepare('select 1 as a');
    cached.prepare('select 2 as b');
    cached.prepare('select 1 as a'); // a is now the most recent: b goes next
    cached.prepare('select 3 as c');
    expect(cached.prepare('select 1 as a')).toBe(a);
    const b = cached.prepare('select 2 as b'); // compiled again; c goes, a stays
    expect(b.get()).toEqual({ b: 2 });
    expect(cached.prepare('select 1 as a')).toBe(a);
    cached.prepare('select 3 as c'); // b was the least recently used
    expect(cached.prepare('select 2 as b')).not.toBe(b);
    expect(cached.prepare('select 1 as a')).not.toBe(a); // pushed out by b coming back
  });

  it('is otherwise the same connection: transactions, pragmas and statements that write', () => {
    const sqlite = connection();
    const cached = withStatementCache(sqlite);
    cached.exec('create table t (n integer)');
    const insert = cached.prepare('insert into t (n) values (?)');
    cached.transaction(() => [1, 2, 3].forEach((n) => insert.run(n)))();
    expect(sqlite.prepare('select sum(n) from t').pluck().get()).toBe(6);
    expect(cached.open).toBe(true);
    expect(cached.inTransaction).toBe(false);
  });

  it('gives drizzle the right rows for repeated queries with different values, in and out of transactions', () => {
    const database = openDatabase(path.join(makeTempDir(), 'socks.db'));
    try {
      migrateDatabase(database.db);
      const add = (email: string) =>
        database.db.insert(supporters).values({ email, token: `tok_${email}`, createdAt: 1 }).returning({ id: supporters.id }).get();
      const ada = add('ada@example.org');
      const bo = database.db.transaction((tx) => tx.insert(supporters).values({ email: 'bo@example.org', token: 'tok_bo', createdAt: 1 }).returning({ id: supporters.id }).get());
      const find = (id: number) => database.db.select({ email: supporters.email }).from(supporters).where(eq(supporters.id, id)).get();
      expect(find(ada.id)?.email).toBe('ada@example.org');
      expect(find(bo.id)?.email).toBe('bo@example.org');
      expect(database.db.get<{ n: number }>(sql`select count(*) as n from ${supporters}`)).toEqual({ n: 2 });
      expect(database.db.all(sql`select email from ${supporters} order by id`)).toEqual([{ email: 'ada@example.org' }, { email: 'bo@example.org' }]);
    } finally {
      database.close();
    }
  });
});
