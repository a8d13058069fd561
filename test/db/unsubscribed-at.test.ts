import { describe, expect, it } from 'vitest';
import { migrateDatabase } from '../../src/db/migrate.js';
import { databaseBefore } from '../helpers/old-database.js';

describe('dating the unsubscribes made before they were dated', () => {
  it('takes the time of the complaint that unsubscribed a supporter, and leaves the others undated', () => {
    const database = databaseBefore('0020_');
    const { sqlite } = database;
    const supporter = sqlite.prepare(
      `insert into supporters (id, email, token, is_subscribed, created_at) values (?, ?, ?, ?, 0)`,
    );
    supporter.run(1, 'ada@example.org', `tok_1_${'x'.repeat(30)}`, 0); // complained twice
    supporter.run(2, 'bob@example.org', `tok_2_${'x'.repeat(30)}`, 0); // unsubscribed by link
    supporter.run(3, 'cara@example.org', `tok_3_${'x'.repeat(30)}`, 1); // complained, then subscribed again
    const notice = sqlite.prepare(
      `insert into email_notifications (provider, provider_id, recipient, type, supporter_id, occurred_at, received_at, effect)
       values ('generic', ?, ?, 'complaint', ?, ?, ?, 'unsubscribed')`,
    );
    notice.run('n-1', 'ada@example.org', 1, Date.UTC(2025, 1, 3), Date.UTC(2025, 1, 3));
    notice.run('n-2', 'ada@example.org', 1, Date.UTC(2025, 2, 7), Date.UTC(2025, 2, 7));
    notice.run('n-3', 'cara@example.org', 3, Date.UTC(2025, 1, 9), Date.UTC(2025, 1, 9));

    migrateDatabase(database.db);

    expect(sqlite.prepare('select id, unsubscribed_at from supporters order by id').raw().all()).toEqual([
      [1, Date.UTC(2025, 2, 7)],
      [2, null],
      [3, null],
    ]);
  });
});
