import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { checkoutCompleted } from '../helpers/stripe-events.js';
import { runCli } from '../helpers/run-cli.js';
import { createTestApp, makeTempDir, WEBHOOK_SECRET } from '../helpers/test-app.js';

const MINUTE = 60_000;
const backupsIn = (dir: string) =>
  fs
    .readdirSync(dir)
    .filter((name) => !name.startsWith('.'))
    .sort();
const verify = (file: string) => runCli(['backup:verify', file], { STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET });

async function appWithOrders(env: Record<string, string> = {}) {
  const t = createTestApp({ env });
  for (let i = 0; i < 3; i++)
    await t.deliver(checkoutCompleted({ email: `buyer${i}@example.org`, lines: [{ pairsPerUnit: 2 }] }));
  await t.settle();
  return t;
}

describe('scheduled backups', () => {
  it('writes a verified copy under its final name only, and keeps BACKUP_KEEP of them', async () => {
    const dir = path.join(makeTempDir(), 'backups');
    const t = await appWithOrders({ BACKUP_DIR: dir, BACKUP_KEEP: '2' });
    expect(t.ctx.backups.lastGoodAt()).toBeNull();
    const first = await t.ctx.backups.runNow();
    expect(first!.report.isHealthy).toBe(true);
    expect(first!.report.counts).toEqual({ orders: 3, ledgerEntries: 3, emails: 3 });
    expect(path.basename(first!.file)).toMatch(/^socks-\d{8}T\d{6}Z\.db$/);
    expect(t.ctx.backups.lastGoodAt()).toBe(t.clock.now());
    // A standalone file: no write-ahead log beside it.
    expect(backupsIn(dir)).toEqual([path.basename(first!.file)]);

    for (let i = 0; i < 2; i++) {
      t.clock.advance(MINUTE);
      expect((await t.ctx.backups.runNow())!.report.isHealthy).toBe(true);
    }
    const kept = backupsIn(dir);
    expect(kept).toHaveLength(2);
    expect(kept).not.toContain(path.basename(first!.file));

    const checked = await verify(path.join(dir, kept[1]!));
    expect(checked.code).toBe(0);
    expect(checked.stdout).toMatch(
      /is a good backup .*: 3 orders, 3 ledger entries, 3 emails; integrity check and ledger audit passed/,
    );
  });

  it('is off without BACKUP_DIR, and a new app reads the time of the newest verified backup from the directory', async () => {
    const t = await appWithOrders();
    expect(await t.ctx.backups.runNow()).toBeNull();
    const dir = path.join(makeTempDir(), 'backups');
    const withBackups = createTestApp({ env: { BACKUP_DIR: dir }, dir: t.dir });
    await withBackups.ctx.backups.runNow();
    const again = createTestApp({ env: { BACKUP_DIR: dir }, dir: makeTempDir() });
    expect(again.ctx.backups.lastGoodAt()).toBeGreaterThan(0);
  });

  it('stops a production start when BACKUP_DIR cannot be written', () => {
    const file = path.join(makeTempDir(), 'a-file');
    fs.writeFileSync(file, '');
    expect(() => createTestApp({ env: { NODE_ENV: 'production', BACKUP_DIR: path.join(file, 'backups') } })).toThrow(
      /BACKUP_DIR \(.*\) cannot be written to: ENOTDIR/,
    );
    expect(() => createTestApp({ env: { BACKUP_CRON: 'every day' } })).toThrow(/BACKUP_CRON must be a cron expression/);
  });
});

describe('backup:verify', () => {
  it('says why a file cannot be trusted: truncated, not a database, not ours, or missing', async () => {
    const dir = path.join(makeTempDir(), 'backups');
    const t = await appWithOrders({ BACKUP_DIR: dir });
    const good = (await t.ctx.backups.runNow())!.file;

    const truncated = path.join(dir, 'truncated.db');
    const bytes = fs.readFileSync(good);
    fs.writeFileSync(truncated, bytes.subarray(0, Math.floor(bytes.length / 2)));
    const cut = await verify(truncated);
    expect(cut.code).toBe(1);
    expect(cut.stderr).toMatch(
      /cannot be trusted:\n {2}- (SQLite's integrity check failed|it could not be read to the end|it is not an SQLite database)/,
    );

    const text = path.join(dir, 'notes.txt');
    fs.writeFileSync(text, 'these are not the pages you are looking for\n'.repeat(200));
    const notDb = await verify(text);
    expect(notDb.code).toBe(1);
    expect(notDb.stderr).toContain('it is not an SQLite database');

    const other = path.join(dir, 'other.db');
    new Database(other).exec('create table notes (id integer primary key)');
    const notOurs = await verify(other);
    expect(notOurs.code).toBe(1);
    expect(notOurs.stderr).toContain(
      "it is not this app's database (no __drizzle_migrations, ledger_entries, orders, email_outbox table)",
    );

    const missing = await verify(path.join(dir, 'nothing-here.db'));
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('there is no file at');
    expect(fs.existsSync(path.join(dir, 'nothing-here.db'))).toBe(false); // checking never creates a file

    expect((await runCli(['backup:verify'], { STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET })).code).toBe(64);
  });
});
