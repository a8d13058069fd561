import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { openDatabase } from '../../src/db/client.js';
import { readTotals } from '../../src/ledger/ledger.queries.js';
import { DEVELOPMENT_SECRETS_FILE } from '../../src/secrets.js';
import { signPayload } from '../../src/stripe/simulated-events.js';
import { checkoutCompleted } from '../helpers/stripe-events.js';
import { runCli } from '../helpers/run-cli.js';
import { startServer } from '../helpers/server-process.js';
import { makeTempDir, productionSecrets } from '../helpers/test-app.js';
import { ConfigError } from '../../src/errors.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
/** The development webhook secret the project once printed in its source. */
const OLD_DEVELOPMENT_SECRET = 'whsec_development_only_not_a_real_secret';

function problemsOf(env: Record<string, string>): readonly string[] {
  try {
    loadConfig({ NODE_ENV: 'production', ...env });
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

/** Every secret-like literal in the project's own files: what anyone who reads the source knows. */
function secretsInTheSource(): { webhook: string[]; session: string[] } {
  const files: string[] = ['README.md'];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
      const relative = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(relative);
      else if (/\.(ts|md|json)$/.test(entry.name)) files.push(relative);
    }
  };
  ['src', 'test', 'bench'].forEach(walk);
  const text = files.map((file) => fs.readFileSync(path.join(ROOT, file), 'utf8')).join('\n');
  return {
    webhook: [...new Set([...text.matchAll(/whsec_[A-Za-z0-9_]+/g)].map((m) => m[0]))],
    session: [...new Set([...text.matchAll(/SESSION_SECRET: '([^']+)'/g)].map((m) => m[1]!))],
  };
}

describe('secrets with no configuration', () => {
  it('makes a random development secret once, kept in the data directory for its owner only, shared by the server and simulate:purchase', async () => {
    const dir = makeTempDir();
    const databasePath = path.join(dir, 'socks.db');
    const server = startServer({ DATABASE_PATH: databasePath });
    try {
      const port = await server.listening;
      const file = path.join(dir, DEVELOPMENT_SECRETS_FILE);
      expect(fs.statSync(file).mode & 0o777).toBe(0o600);
      const { stripeWebhookSecret } = JSON.parse(fs.readFileSync(file, 'utf8'));
      expect(stripeWebhookSecret).toMatch(/^whsec_dev_[A-Za-z0-9_-]{32}$/);

      const simulated = await runCli(
        [
          'simulate:purchase',
          '--email',
          'ada@example.org',
          '--pairs',
          '3',
          '--url',
          `http://127.0.0.1:${port}/webhooks/stripe`,
        ],
        { DATABASE_PATH: databasePath },
      );
      expect(simulated.code).toBe(0);
      expect(simulated.stdout).toMatch(/^200 /);

      // A purchase forged with the secret the source used to print is refused, and changes nothing.
      const forged = JSON.stringify(
        checkoutCompleted({ email: 'victim@example.org', name: 'Anything at all', lines: [{ pairsPerUnit: 50 }] }),
      );
      const res = await fetch(`http://127.0.0.1:${port}/webhooks/stripe`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'stripe-signature': signPayload(forged, OLD_DEVELOPMENT_SECRET),
        },
        body: forged,
      });
      expect(res.status).toBe(400);
      expect(server.output().stdout).not.toContain(stripeWebhookSecret);
    } finally {
      server.child.kill('SIGTERM');
      await server.exited;
    }
    const db = openDatabase(databasePath);
    expect(readTotals(db.db)).toEqual({ pairs: 3, trapWeeks: 3, supporters: 1 });
    db.close();
  });

  it('keeps the same secrets from one start to the next, and never makes them in production', () => {
    const dir = makeTempDir();
    const first = loadConfig({ DATABASE_PATH: path.join(dir, 'socks.db') });
    const second = loadConfig({ DATABASE_PATH: path.join(dir, 'socks.db') });
    expect(second.secrets).toEqual(first.secrets);
    expect(first.secrets.sessionSecret).toHaveLength(43);
    expect(loadConfig({ DATABASE_PATH: path.join(makeTempDir(), 'socks.db') }).secrets.sessionSecret).not.toBe(
      first.secrets.sessionSecret,
    );

    const elsewhere = makeTempDir();
    expect(problemsOf({ DATABASE_PATH: path.join(elsewhere, 'socks.db') })).toEqual([
      'STRIPE_WEBHOOK_SECRET is required in production',
      'SESSION_SECRET is required in production',
    ]);
    expect(fs.readdirSync(elsewhere)).toEqual([]);
  });
});

describe('production', () => {
  it('refuses the development secret the source once printed, although it has the right shape', () => {
    expect(
      problemsOf({ STRIPE_WEBHOOK_SECRET: OLD_DEVELOPMENT_SECRET, SESSION_SECRET: productionSecrets().SESSION_SECRET }),
    ).toEqual([
      "STRIPE_WEBHOOK_SECRET is a value published with this project's source, which anyone can read: make a new one",
    ]);
  });

  it('refuses every secret written anywhere in the project, tests and benchmarks included', () => {
    const { webhook, session } = secretsInTheSource();
    expect(webhook).toContain(OLD_DEVELOPMENT_SECRET);
    expect(webhook.length).toBeGreaterThan(5);
    const fresh = productionSecrets();
    for (const value of webhook)
      expect(problemsOf({ ...fresh, STRIPE_WEBHOOK_SECRET: value }).join(' '), value).toMatch(
        /^STRIPE_WEBHOOK_SECRET /,
      );
    for (const value of [...session, 'development-only-session-secret-change-me', 'a'.repeat(40)]) {
      expect(problemsOf({ ...fresh, SESSION_SECRET: value }).join(' '), value).toMatch(/^SESSION_SECRET /);
    }
  });

  it('takes secrets of the real shapes that nobody has seen', () => {
    expect(problemsOf(productionSecrets())).toEqual([]);
  });
});
