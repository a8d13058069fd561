import path from 'node:path';
import { eq, sql } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import { migrateDatabase, openDatabase, type Database_, type DbOrTx } from '../../src/db/client.js';
import { placeholder, prepared } from '../../src/db/prepared.js';
import { supporters } from '../../src/db/schema.js';
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
const byEmail = (db: DbOrTx) => {
  built++;
  return db.select().from(supporters).where(eq(supporters.email, sql.placeholder('email'))).prepare();
};
const insert = (db: DbOrTx) =>
  db.insert(supporters).values({ email: placeholder('email'), token: placeholder('token'), createdAt: placeholder('createdAt') }).prepare();

describe('queries prepared once per connection', () => {
  it('builds a query once per connection, and never shares it between two databases', () => {
    const [a, b] = [database(), database()];
    built = 0;
    prepared(a.db, insert).run({ email: 'ada@example.org', token: 'tok-a', createdAt: 1 });

    expect(prepared(a.db, byEmail)).toBe(prepared(a.db, byEmail));
    expect(prepared(b.db, byEmail)).not.toBe(prepared(a.db, byEmail));
    expect(built).toBe(2);
    expect(prepared(a.db, byEmail).get({ email: 'ada@example.org' })?.token).toBe('tok-a');
    expect(prepared(b.db, byEmail).get({ email: 'ada@example.org' })).toBeUndefined();
  });

  it('finds the database\'s query from a transaction handle, and runs it inside that transaction', () => {
    const { db } = database();
    const outside = prepared(db, byEmail);

    expect(() =>
      db.transaction((tx) => {
        expect(prepared(tx, byEmail)).toBe(outside);
        prepared(tx, insert).run({ email: 'bob@example.org', token: 'tok-b', createdAt: 2 });
        expect(prepared(tx, byEmail).get({ email: 'bob@example.org' })?.token).toBe('tok-b');
        throw new Error('roll back');
      }),
    ).toThrow('roll back');
    expect(outside.get({ email: 'bob@example.org' })).toBeUndefined(); // the insert rolled back with its transaction
  });
});
