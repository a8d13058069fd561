import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import supertest from 'supertest';
import { afterEach } from 'vitest';
import { createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createContext, type AppContext, type ContextOverrides } from '../../src/context.js';
import { auditLedger, describeAudit, isLedgerConsistent } from '../../src/ledger/audit-ledger.js';
import type { Totals } from '../../src/ledger/ledger.queries.js';
import { signPayload } from '../../src/stripe/simulated-events.js';
import { shopStripeSettings } from './shop-stripe-account.js';
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
  /**
   * Public totals, checked against a fresh sum of the ledger entries (and each order's figures against
   * its entries).
   */
  totals(): Totals;
  close(): Promise<void>;
}

const open: TestApp[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((t) => t.close()));
});

/** Secrets of production's shapes, made for one test app: nothing published with the source. */
export function productionSecrets(): { STRIPE_WEBHOOK_SECRET: string; SESSION_SECRET: string } {
  return {
    STRIPE_WEBHOOK_SECRET: `whsec_${randomBytes(24).toString('base64url')}`,
    SESSION_SECRET: randomBytes(32).toString('base64url'),
  };
}

export function makeTempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'socks-test-'));
}

/** A fresh app on a migrated SQLite file in a temp dir; closed after the test. */
export function createTestApp(
  opts: { env?: Record<string, string>; dir?: string; clock?: TestClock; overrides?: ContextOverrides } = {},
): TestApp {
  const dir = opts.dir ?? makeTempDir();
  const databasePath = path.join(dir, 'socks.db');
  const config = loadConfig({
    NODE_ENV: 'test',
    DATABASE_PATH: databasePath,
    MAIL_OUTBOX_DIR: path.join(dir, 'outbox'),
    // Production refuses every secret published with the source, the suite's own among them.
    ...(opts.env?.NODE_ENV === 'production' ? productionSecrets() : { STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET }),
    ...shopStripeSettings(),
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
    deliver(event, { secret = config.secrets.stripeWebhookSecrets[0]! } = {}) {
      const payload = typeof event === 'string' ? event : JSON.stringify(event);
      return http
        .post('/webhooks/stripe')
        .set('content-type', 'application/json')
        .set('stripe-signature', signPayload(payload, secret, Math.floor(clock.now() / 1000)))
        .send(payload);
    },
    settle: () => ctx.events.drain(),
    totals() {
      // What `npm run cli -- ledger:check` checks, after every scenario.
      const audit = auditLedger(ctx.db);
      if (!isLedgerConsistent(audit))
        throw new Error(`the ledger's kept sums disagree with its entries:\n${describeAudit(audit)}`);
      return audit.totals.kept;
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
