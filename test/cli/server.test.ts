import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/client.js';
import { migrateDatabase } from '../../src/db/migrate.js';
import { COMMAND_LINE } from '../../src/staff/audit-log.js';
import { createStaff } from '../../src/staff/manage-staff.js';
import { EXAMPLE_PACKAGE, entriesOf, writeZip } from '../helpers/camtrap-packages.js';
import { html } from '../helpers/html.js';
import { csrfIn } from '../helpers/staff-console.js';
import { readTotals } from '../../src/ledger/ledger.queries.js';
import { signPayload } from '../../src/stripe/simulated-events.js';
import { checkoutCompleted } from '../helpers/stripe-events.js';
import { COMPILED, FROM_SOURCES, startServer } from '../helpers/server-process.js';
import { shopStripeSettings } from '../helpers/shop-stripe-account.js';
import { makeTempDir } from '../helpers/test-app.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const SECRET = 'whsec_server_test';

const ADMIN = { email: 'kit@socks.test', password: 'correct horse battery staple' };

async function addAdmin(databasePath: string): Promise<void> {
  const database = openDatabase(databasePath);
  migrateDatabase(database.db);
  await createStaff(database.db, { ...ADMIN, role: 'admin' }, COMMAND_LINE, () => Date.now());
  database.close();
}

/** Signs in, uploads the standard's example package and follows the upload page to the import's outcome. */
async function importThroughConsole(base: string): Promise<string> {
  const login = await fetch(`${base}/admin/login`, {
    method: 'POST',
    body: new URLSearchParams(ADMIN),
    redirect: 'manual',
  });
  expect(login.status).toBe(303);
  // As a browser keeps them: the last value set for each name (the anonymous session's id is replaced).
  const jar = new Map(
    login.headers.getSetCookie().map((line) => line.split(';')[0]!.split(/=(.*)/) as [string, string]),
  );
  const cookie = [...jar].map(([name, value]) => `${name}=${value}`).join('; ');
  const page = await fetch(`${base}/admin/camera-data`, { headers: { cookie }, redirect: 'manual' });
  expect(page.status).toBe(200);
  const csrf = csrfIn(await page.text());
  const form = new FormData();
  form.append('_csrf', csrf);
  const zip = await writeZip(entriesOf(EXAMPLE_PACKAGE));
  form.append('package', new Blob([fs.readFileSync(zip)]), 'example.zip');
  const upload = await fetch(`${base}/admin/camera-data/imports`, {
    method: 'POST',
    body: form,
    headers: { cookie },
    redirect: 'manual',
  });
  expect(upload.status).toBe(303);
  for (let tries = 0; tries < 600; tries++) {
    const watching = await fetch(`${base}${upload.headers.get('location')}`, {
      headers: { cookie },
      redirect: 'manual',
    });
    if (watching.status === 303) {
      const report = await fetch(`${base}${watching.headers.get('location')}`, { headers: { cookie } });
      return html(await report.text()).text('#import-outcome');
    }
    expect(watching.status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('the import did not finish');
}

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
      await addAdmin(databasePath);
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
      // A camera-trap import runs on a worker thread: the worker module loads from either place too.
      expect(await importThroughConsole(`http://127.0.0.1:${port}`)).toContain('imported');
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
