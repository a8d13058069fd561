import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/client.js';
import { stripeEvents } from '../../src/db/schema/index.js';
import { readTotals } from '../../src/ledger/ledger.queries.js';
import { checkoutCompleted, stripeEvent } from '../helpers/stripe-events.js';
import { runCli } from '../helpers/run-cli.js';
import { createTestApp, WEBHOOK_SECRET } from '../helpers/test-app.js';

const envFor = (databasePath: string) => ({
  DATABASE_PATH: databasePath,
  STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
  PUBLIC_URL: 'https://socks.example',
});

describe('command line', () => {
  it('migrate creates and migrates a new database file', async () => {
    const t = createTestApp();
    const file = path.join(t.dir, 'fresh', 'new.db');
    const result = await runCli(['migrate'], envFor(file));
    expect(result).toMatchObject({ code: 0, stdout: `database is up to date: ${file}\n` });
    const db = openDatabase(file);
    expect(readTotals(db.db)).toEqual({ pairs: 0, trapWeeks: 0, supporters: 0 });
    db.close();
  });

  it('supporter:link prints the private impact URL, and says so when the email is unknown', async () => {
    const t = createTestApp();
    await t.deliver(checkoutCompleted({ email: 'ada@example.org', lines: [{ pairsPerUnit: 1 }] }));
    await t.settle();
    const token = t.ctx.db.query.supporters.findFirst()!.sync()?.token;

    const found = await runCli(['supporter:link', '--email', 'ADA@example.org'], envFor(t.databasePath));
    const missing = await runCli(['supporter:link', '--email', 'nobody@example.org'], envFor(t.databasePath));
    const invalid = await runCli(['supporter:link', '--email', 'not-an-email'], envFor(t.databasePath));

    expect(found).toMatchObject({ code: 0, stdout: `https://socks.example/impact/${token}\n` });
    expect(missing).toMatchObject({ code: 1, stderr: 'no supporter with the email nobody@example.org\n' });
    expect(invalid.code).toBe(64);
    expect(invalid.stderr).toContain('a valid address');
  });

  it('backup writes a consistent copy while the app has the database open', async () => {
    const t = createTestApp();
    await t.deliver(checkoutCompleted({ lines: [{ pairsPerUnit: 3 }] }));
    await t.settle();
    const target = path.join(t.dir, 'backups', 'copy.db');

    const result = await runCli(['backup', target], envFor(t.databasePath));
    const again = await runCli(['backup', target], envFor(t.databasePath));

    expect(result.code).toBe(0);
    const copy = openDatabase(target);
    expect(readTotals(copy.db)).toEqual({ pairs: 3, trapWeeks: 3, supporters: 1 });
    copy.close();
    expect(again.code).toBe(64);
    expect(again.stderr).toContain('already exists');
  });

  it('events:replay re-processes failed events once their cause is fixed', async () => {
    const t = createTestApp();
    const event = stripeEvent('checkout.session.completed', {
      object: 'checkout.session',
      id: 'cs_replay',
      payment_status: 'paid',
      amount_total: 1200,
    });
    await t.deliver(event);
    await t.settle();
    expect(t.ctx.db.select().from(stripeEvents).where(eq(stripeEvents.id, event.id)).get()?.status).toBe('failed'); // no currency
    // The fix: the stored payload is repaired (as a new app version would read it correctly).
    const fixed = {
      ...event,
      data: {
        object: { ...event.data.object, currency: 'gbp', line_items: { object: 'list', data: [], has_more: false } },
      },
    };
    t.ctx.db
      .update(stripeEvents)
      .set({ payload: JSON.stringify(fixed) })
      .where(eq(stripeEvents.id, event.id))
      .run();

    const result = await runCli(['events:replay', '--status', 'failed'], envFor(t.databasePath));

    expect(result.stdout).toBe(
      're-processing 1 stored events…\ndone: 0 pending, 1 processed, 0 ignored, 0 retrying, 0 failed\n',
    );
    expect(result.code).toBe(0);
    expect(t.ctx.db.select().from(stripeEvents).where(eq(stripeEvents.id, event.id)).get()?.status).toBe('processed');
  });

  it('simulate:purchase signs and posts a purchase that a running app credits', async () => {
    const t = createTestApp();
    const server = t.app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const result = await runCli(
        [
          'simulate:purchase',
          '--email',
          'sim@example.org',
          '--pairs',
          '3',
          '--quantity',
          '2',
          '--url',
          `http://127.0.0.1:${port}/webhooks/stripe`,
        ],
        envFor(t.databasePath),
      );
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(/^200 \{"received":true,"duplicate":false\}/);
      await t.settle();
      expect(t.totals()).toEqual({ pairs: 6, trapWeeks: 6, supporters: 1 });
    } finally {
      server.close();
    }
  });

  it('explains unknown commands and bad options', async () => {
    const t = createTestApp();
    const unknown = await runCli(['frobnicate'], envFor(t.databasePath));
    const badPairs = await runCli(['simulate:purchase', '--pairs', '-2'], envFor(t.databasePath));
    expect(unknown.code).toBe(64);
    expect(unknown.stderr).toContain('unknown command: frobnicate');
    expect(unknown.stderr).toContain('simulate:purchase');
    expect(badPairs.code).toBe(64);
    expect(fs.existsSync(t.databasePath)).toBe(true);
  });
});
