import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { loadConfig } from '../src/config.js';
import { createContext } from '../src/context.js';
import { startChildServer, type ChildServer } from './child-server.js';
import { appEnv, newWebhookSecret, serverEnv } from './environment.js';
import { runLoad, type LoadResult } from './load.js';
import { medianBy } from './rounds.js';

const USAGE = `npm run bench:email-feedback -- [options]
  --notices N       bounce notices posted per server per round (default 10000)
  --connections N   concurrent connections (default 50)
  --rounds N        rounds of bare Express then the app; the median decides (default 3)
  --cpu-prof DIR    write the app's CPU profile into DIR`;

const RATIO_BAR = 0.5;

/**
 * Bounce notices at the generic endpoint, as the Stripe webhook bench measures webhooks: bare
 * Express (read the raw body, answer JSON) and the real app, each in its own process, in rounds
 * back to back. Every notice is a hard bounce, signed, with its own id, about an email the app sent
 * to one of as many buyers; afterwards every acknowledged notice must be stored and applied (its
 * buyer undeliverable).
 */
async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      notices: { type: 'string', default: '10000' },
      connections: { type: 'string', default: '50' },
      rounds: { type: 'string', default: '3' },
      'cpu-prof': { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) return (void process.stdout.write(`${USAGE}\n`), 0);
  const notices = Number(values.notices);
  const connections = Number(values.connections);
  const roundCount = Number(values.rounds);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'socks-feedback-bench-'));
  const databasePath = path.join(dir, 'feedback.db');
  const secret = randomBytes(32).toString('hex');
  const env = { ...appEnv(databasePath, newWebhookSecret()), EMAIL_WEBHOOK_SECRET: secret };
  log(`seeding ${notices.toLocaleString('en')} buyers, each with a receipt sent…`);
  const messageIds = seed(env, notices);
  const bare = await startChildServer('bare-server', serverEnv());
  const profileDir = values['cpu-prof'];
  const app = await startChildServer(
    'app-server',
    env,
    profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [],
  );
  const acked: string[] = [];
  try {
    const post = (server: ChildServer, round: string, count = notices) =>
      postNotices(server, secret, messageIds, round, count, connections, (id) => server === app && acked.push(id));
    log('warming up (2,000 notices each)');
    await post(bare, 'warm', 2000);
    await post(app, 'warm', 2000);
    const rounds: Array<{ bare: LoadResult; app: LoadResult; ratio: number }> = [];
    for (let round = 1; round <= roundCount; round++) {
      await Promise.all([bare.command('reset'), app.command('reset')]);
      const bareRun = await post(bare, `r${round}`);
      const appRun = await post(app, `r${round}`);
      rounds.push({ bare: bareRun, app: appRun, ratio: appRun.ratePerS / bareRun.ratePerS });
      log(
        `  round ${round}: bare ${Math.round(bareRun.ratePerS)}/s, app ${Math.round(appRun.ratePerS)}/s ` +
          `(${(appRun.ratePerS / bareRun.ratePerS).toFixed(2)}×), app p99 ${appRun.latency.p99Ms.toFixed(1)} ms, non-2xx ${appRun.non2xx}`,
      );
    }
    await app.stop();
    const check = checkStored(databasePath, acked, notices);
    const median = medianBy(rounds, (r) => r.ratio);
    const pass = median.ratio >= RATIO_BAR && check.problems.length === 0;
    const report = {
      notices,
      connections,
      rounds: rounds.map((r) => ({
        bare: Math.round(r.bare.ratePerS),
        app: Math.round(r.app.ratePerS),
        ratio: round2(r.ratio),
        appP99Ms: round2(r.app.latency.p99Ms),
      })),
      median: { ratio: round2(median.ratio), bar: RATIO_BAR, pass: median.ratio >= RATIO_BAR },
      check,
      pass,
    };
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    return pass ? 0 : 1;
  } finally {
    await Promise.all([bare.stop(), app.stop()]);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Buyers 0…n-1, each with one receipt sent, written straight into a freshly migrated database. */
function seed(env: Record<string, string>, n: number): string[] {
  const ctx = createContext(loadConfig(env));
  const sqlite = ctx.database.sqlite;
  const now = Date.now() - 3_600_000;
  const messageIds = Array.from({ length: n }, () => `<${randomUUID()}@socks.example>`);
  const supporter = sqlite.prepare('insert into supporters (email, token, created_at) values (?, ?, ?)');
  const outbox = sqlite.prepare(
    `insert into email_outbox (kind, idempotency_key, supporter_id, recipient, subject, text_body, html_body,
       message_id, state, attempts, next_attempt_at, created_at, updated_at, sent_at)
     values ('impact_link', ?, ?, ?, 'Your link', '', '', ?, 'sent', 1, ?, ?, ?, ?)`,
  );
  sqlite.transaction(() => {
    for (let i = 0; i < n; i++) {
      const id = Number(
        supporter.run(`buyer${i}@example.org`, randomBytes(24).toString('base64url'), now).lastInsertRowid,
      );
      outbox.run(`link:${id}:seed`, id, `buyer${i}@example.org`, messageIds[i], now, now, now, now);
    }
  })();
  ctx.database.close();
  return messageIds;
}

function postNotices(
  server: ChildServer,
  secret: string,
  messageIds: string[],
  round: string,
  count: number,
  connections: number,
  onAck: (id: string) => void,
): Promise<LoadResult> {
  const occurredAt = new Date().toISOString();
  const bodies = Array.from({ length: count }, (_, i) => {
    const k = i % messageIds.length;
    const body = JSON.stringify({
      id: `${round}-${i}`,
      type: 'hard_bounce',
      email: `buyer${k}@example.org`,
      messageId: messageIds[k],
      occurredAt,
    });
    return {
      id: `${round}-${i}`,
      body,
      signature: `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`,
    };
  });
  let next = 0;
  return runLoad({
    url: server.url,
    path: '/webhooks/email/generic',
    method: 'POST',
    connections,
    amount: count,
    setupRequest: (request, context) => {
      const notice = bodies[next++ % bodies.length]!;
      context.id = notice.id;
      request.body = notice.body;
      request.headers = { 'content-type': 'application/json', 'x-signature': notice.signature };
      return request;
    },
    onResponse: (status, body, context) => {
      if (status >= 200 && status < 300 && body.includes('"stored":1')) onAck(context.id as string);
    },
  });
}

/** Every acknowledged notice stored, applied (marked the address undeliverable), and every buyer undeliverable. */
function checkStored(databasePath: string, acked: string[], buyers: number) {
  const db = new Database(databasePath, { readonly: true });
  try {
    const stored = db
      .prepare("select count(*) from email_notifications where provider = 'generic'")
      .pluck()
      .get() as number;
    const applied = db
      .prepare("select count(*) from email_notifications where effect = 'undeliverable' and outbox_id is not null")
      .pluck()
      .get() as number;
    const undeliverable = db
      .prepare('select count(*) from supporters where is_deliverable = 0')
      .pluck()
      .get() as number;
    const problems = [
      stored !== acked.length && `${acked.length} acknowledged as new but ${stored} stored`,
      applied !== stored && `${stored} stored but ${applied} applied`,
      undeliverable !== buyers && `${undeliverable} of ${buyers} buyers undeliverable`,
    ].filter((p): p is string => Boolean(p));
    return { acked: acked.length, stored, applied, undeliverable, problems };
  } finally {
    db.close();
  }
}

const round2 = (n: number) => Math.round(n * 100) / 100;
const log = (line: string) => process.stderr.write(`${line}\n`);

process.exitCode = await main();
