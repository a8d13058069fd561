import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/client.js';
import { readTotals } from '../../src/ledger/ledger.queries.js';
import { signPayload } from '../../src/stripe/simulated-events.js';
import { checkoutCompleted } from '../helpers/stripe-events.js';
import { COMPILED, FROM_SOURCES, startServer } from '../helpers/server-process.js';
import { shopStripeSettings } from '../helpers/shop-stripe-account.js';
import { makeTempDir } from '../helpers/test-app.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const SECRET = 'whsec_server_test';

describe('the server process', () => {
  it.each([
    ['from its TypeScript sources', FROM_SOURCES],
    ['compiled, as npm start builds and runs it', COMPILED],
  ])(
    '%s: serves on its port, and on SIGTERM stops taking requests, finishes its work and closes the database',
    async (_how, entry) => {
      if (entry === COMPILED) await promisify(execFile)('npm', ['run', 'build:app'], { cwd: ROOT });
      const dir = makeTempDir();
      const databasePath = path.join(dir, 'socks.db');
      const server = startServer(
        { DATABASE_PATH: databasePath, STRIPE_WEBHOOK_SECRET: SECRET, ...shopStripeSettings() },
        entry,
      );
      const port = await server.listening;
      const home = await fetch(`http://127.0.0.1:${port}/`);
      expect(home.status).toBe(200);
      expect(await home.text()).toContain('camera-trap-weeks funded'); // views and migrations found from either place

      const payload = JSON.stringify(checkoutCompleted({ lines: [{ pairsPerUnit: 3 }] }));
      const res = await fetch(`http://127.0.0.1:${port}/webhooks/stripe`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'stripe-signature': signPayload(payload, SECRET) },
        body: payload,
      });
      expect(res.status).toBe(200);
      server.child.kill('SIGTERM');

      expect(await server.exited).toBe(0);
      const { stdout } = server.output();
      expect(stdout).toContain('"msg":"shutting down","signal":"SIGTERM"');
      expect(stdout).toContain('"msg":"stopped"');
      expect(stdout).not.toContain(SECRET);
      const db = openDatabase(databasePath);
      expect(readTotals(db.db).pairs).toBe(3);
      db.close();
    },
  );

  it('refuses to start in production with a missing setting, in one clear line', async () => {
    const server = startServer({ NODE_ENV: 'production', DATABASE_PATH: path.join(makeTempDir(), 'socks.db') });
    await server.listening.catch(() => undefined);
    expect(await server.exited).toBe(78);
    expect(server.output().stderr).toBe(
      'socks: cannot start: STRIPE_WEBHOOK_SECRET is required in production; SESSION_SECRET is required in production\n',
    );
  });
});
