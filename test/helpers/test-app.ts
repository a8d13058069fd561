import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import supertest from 'supertest';
import { afterEach } from 'vitest';
import { createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createContext, type AppContext, type ContextOverrides } from '../../src/context.js';
import { findMisattributedOrders, findOrderFigureDrift, findSupporterTotalDrift, readTotals, sumLedger, type Totals } from '../../src/ledger/ledger.queries.js';
import { signPayload } from '../../src/stripe/simulated-events.js';
import { TestClock } from './test-clock.js';

export const WEBHOOK_SECRET = 'whsec_test_secret_for_the_test_suite';

export interface TestApp {
  ctx: AppContext;
  app: ReturnType<typeof createApp>;
  http: ReturnType<typeof supertest>;
  clock: TestClock;
  dir: string;
  databasePath: string;
  /** Signs and posts an event as Stripe would. */
  deliver(event: object | string, opts?: { secret?: string }): supertest.Test;
  /** Processes every stored event that is due. */
  settle(): Promise<void>;
  /** Public totals, checked against a fresh sum of the ledger entries (and each order's figures against its entries). */
  totals(): Totals;
  close(): Promise<void>;
}

const open: TestApp[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((t) => t.close()));
});

export function makeTempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'socks-test-'));
}

/** A fresh app on a migrated SQLite file in a temp dir; closed after the test. */
export function createTestApp(opts: { env?: Record<string, string>; dir?: string; clock?: TestClock; overrides?: ContextOverrides } = {}): TestApp {
  const dir = opts.dir ?? makeTempDir();
  const databasePath = path.join(dir, 'socks.db');
  const config = loadConfig({
    NODE_ENV: 'test',
    DATABASE_PATH: databasePath,
    MAIL_OUTBOX_DIR: path.join(dir, 'outbox'),
    STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
    PUBLIC_URL: 'http://socks.test',
    ...opts.env,
  });
  const clock = opts.clock ?? new TestClock();
  const ctx = createContext(config, { clock, ...opts.overrides });
  const app = createApp(ctx);
  const http = supertest(app);
  let isClosed = false;
  const t: TestApp = {
    ctx,
    app,
    http,
    clock,
    dir,
    databasePath,
    deliver(event, { secret = WEBHOOK_SECRET } = {}) {
      const payload = typeof event === 'string' ? event : JSON.stringify(event);
      return http
        .post('/webhooks/stripe')
        .set('content-type', 'application/json')
        .set('stripe-signature', signPayload(payload, secret, Math.floor(clock.now() / 1000)))
        .send(payload);
    },
    settle: () => ctx.events.drain(),
    totals() {
      const totals = readTotals(ctx.db);
      const summed = sumLedger(ctx.db);
      if (JSON.stringify(totals) !== JSON.stringify(summed)) {
        throw new Error(`running totals ${JSON.stringify(totals)} disagree with the ledger ${JSON.stringify(summed)}`);
      }
      const drift = findOrderFigureDrift(ctx.db);
      if (drift.length > 0) throw new Error(`orders' kept figures disagree with their ledger entries: ${JSON.stringify(drift)}`);
      const supporterDrift = findSupporterTotalDrift(ctx.db);
      if (supporterDrift.length > 0) throw new Error(`supporters' kept sums disagree with their ledger entries: ${supporterDrift.join(', ')}`);
      const misattributed = findMisattributedOrders(ctx.db);
      if (misattributed.length > 0) throw new Error(`orders whose entries credit someone other than their buyer: ${misattributed.join(', ')}`);
      return totals;
    },
    async close() {
      if (isClosed) return;
      isClosed = true;
      await ctx.close();
    },
  };
  open.push(t);
  return t;
}
