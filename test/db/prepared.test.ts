import path from 'node:path';
import { eq, sql } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, param, prepared, transaction, type Database_, type Db } from '../../src/db/client.js';
import { migrateDatabase } from '../../src/db/migrate.js';
import { supporters } from '../../src/db/schema/index.js';
import { makeTempDir } from '../helpers/test-app.js';

const open: Database_[] = [];
afterEach(() => {
  for (const database of open.splice(0)) database.close();
});

function database(): Database_ {
  const opened = openDatabase(path.join(makeTempDir(), 'prepared.db'));
  migrateDatabase(opened.db);
  open.push(opened);
  return opened;
}

let built = 0;
const byEmail = (db: Db) => {
  built++;
  return db
    .select()
    .from(supporters)
    .where(eq(supporters.email, sql.placeholder('email')))
    .prepare();
};
const insert = (db: Db) =>
  db
    .insert(supporters)
    .values({
      email: sql.placeholder('email'),
      token: sql.placeholder('token'),
      createdAt: sql.placeholder('createdAt'),
      isSubscribed: sql.placeholder('isSubscribed'),
    })
    .prepare();
const setSubscribed = (db: Db) =>
  db
    .update(supporters)
    .set({ isSubscribed: param(supporters.isSubscribed, 'isSubscribed') })
    .where(eq(supporters.email, sql.placeholder('email')))
    .prepare();

describe('queries prepared once per connection', () => {
  it('builds a query once per connection, and never shares it between two databases', () => {
    const [a, b] = [database(), database()];
    built = 0;
    prepared(a.db, insert).run({ email: 'ada@example.org', token: 'tok-a', createdAt: 1, isSubscribed: true });

    expect(prepared(a.db, byEmail)).toBe(prepared(a.db, byEmail));
    expect(prepared(b.db, byEmail)).not.toBe(prepared(a.db, byEmail));
    expect(built).toBe(2);
    expect(prepared(a.db, byEmail).get({ email: 'ada@example.org' })?.token).toBe('tok-a');
    expect(prepared(b.db, byEmail).get({ email: 'ada@example.org' })).toBeUndefined();
  });

  it('maps values as the schema does, in inserts and in updates: a boolean goes in as 0 or 1 and comes back a boolean', () => {
    const { db, sqlite } = database();
    prepared(db, insert).run({ email: 'ada@example.org', token: 'tok-a', createdAt: 1, isSubscribed: true });
    prepared(db, setSubscribed).run({ email: 'ada@example.org', isSubscribed: false });

    expect(sqlite.prepare('select is_subscribed from supporters').pluck().get()).toBe(0);
    expect(prepared(db, byEmail).get({ email: 'ada@example.org' })?.isSubscribed).toBe(false);
  });

  it('runs a prepared query inside the transaction open on its database, and rolls it back with it', () => {
    const { db } = database();
    const outside = prepared(db, byEmail);

    expect(() =>
      transaction(db, (tx) => {
        expect(prepared(tx, byEmail)).toBe(outside);
        prepared(tx, insert).run({ email: 'bob@example.org', token: 'tok-b', createdAt: 2, isSubscribed: true });
        expect(prepared(tx, byEmail).get({ email: 'bob@example.org' })?.token).toBe('tok-b');
        throw new Error('roll back');
      }),
    ).toThrow('roll back');
    expect(outside.get({ email: 'bob@example.org' })).toBeUndefined(); // the insert rolled back with its transaction
  });
});
