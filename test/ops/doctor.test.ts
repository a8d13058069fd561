import { randomBytes } from 'node:crypto';
import net from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/run-cli.js';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.js';
import { startStripeStandIn, type StripeStandIn } from '../helpers/stripe-stand-in.js';
import { createTestApp, makeTempDir, productionSecrets, WEBHOOK_SECRET } from '../helpers/test-app.js';

const SMTP_LOGIN = { user: 'socks', pass: 'relay password 123' };
const open: Array<SmtpSink | StripeStandIn> = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((server) => server.close()));
});

async function parts() {
  const smtp = await startSmtpSink(0, { credentials: SMTP_LOGIN });
  const stripe = await startStripeStandIn();
  open.push(smtp, stripe);
  const t = createTestApp(); // a migrated database
  const env = {
    DATABASE_PATH: t.databasePath,
    STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
    SESSION_SECRET: randomBytes(24).toString('base64url'),
    SMTP_URL: `smtp://${SMTP_LOGIN.user}:${encodeURIComponent(SMTP_LOGIN.pass)}@127.0.0.1:${smtp.port}`,
    STRIPE_SECRET_KEY: 'sk_test_doctor',
    STRIPE_API_URL: stripe.url,
    PUBLIC_URL: 'https://socks.example',
  };
  t.close();
  return { smtp, stripe, env };
}

/** The doctor's lines as name → [status, detail]. */
function linesOf(stdout: string) {
  return Object.fromEntries(
    stdout
      .trim()
      .split('\n')
      .map((line) => /^(ok|warn|FAIL)\s+([^:]+): (.*)$/.exec(line))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => [m[2], [m[1], m[3]]]),
  ) as Record<string, [string, string]>;
}

describe('doctor', () => {
  it('passes when the database, the mail relay (with its login) and the Stripe key all answer', async () => {
    const { env, stripe } = await parts();
    const res = await runCli(['doctor'], env);
    const lines = linesOf(res.stdout);
    expect(res.code, res.stdout).toBe(0);
    expect(lines['configuration']).toEqual(['ok', 'valid for test']);
    expect(lines['database']![0]).toBe('ok');
    expect(lines['migrations']![1]).toMatch(/^all \d+ applied$/);
    expect(lines['mail relay']).toEqual([
      'ok',
      `127.0.0.1:${new URL(env.SMTP_URL).port} answered EHLO and accepted the login`,
    ]);
    expect(lines['Stripe key']).toEqual(['ok', 'valid for acct_1StandIn (test mode)']);
    expect(stripe.requests).toContain('GET /v1/account');
    expect(res.stdout.trim().split('\n').at(-1)).toBe('all checks passed');
  });

  it('fails, naming which, on an unreachable relay, a wrong relay password and a revoked Stripe key', async () => {
    const { env, stripe } = await parts();
    const closed = await freePort();
    stripe.revokedKeys.add('sk_test_doctor');
    const unreachable = await runCli(['doctor'], { ...env, SMTP_URL: `smtp://127.0.0.1:${closed}` });
    expect(unreachable.code).toBe(1);
    expect(linesOf(unreachable.stdout)['mail relay']).toEqual([
      'FAIL',
      expect.stringMatching(/^127\.0\.0\.1:\d+: .*ECONNREFUSED/),
    ]);
    expect(linesOf(unreachable.stdout)['Stripe key']).toEqual(['FAIL', 'Stripe refused it: Invalid API Key provided']);
    expect(unreachable.stdout).toContain('2 check(s) failed');

    const wrongLogin = await runCli(['doctor'], {
      ...env,
      SMTP_URL: env.SMTP_URL.replace('relay%20password', 'guess'),
    });
    expect(linesOf(wrongLogin.stdout)['mail relay']![0]).toBe('FAIL');
    expect(wrongLogin.stdout).not.toContain('guess'); // never the credentials
  });

  it('lists every configuration problem, and what production needs', async () => {
    const bad = await runCli(['doctor'], { PORT: 'eighty', LOG_LEVEL: 'loud', STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET });
    expect(bad.code).toBe(1);
    const failures = bad.stdout.split('\n').filter((line) => line.startsWith('FAIL  configuration: '));
    expect(failures).toHaveLength(2);

    const dir = makeTempDir();
    const production = await runCli(['doctor'], {
      NODE_ENV: 'production',
      ...productionSecrets(),
      DATABASE_PATH: path.join(dir, 'none-yet.db'),
      PUBLIC_URL: 'http://socks.example',
    });
    const lines = linesOf(production.stdout);
    expect(production.code).toBe(1);
    expect(lines['public URL']![0]).toBe('FAIL');
    expect(lines['database']).toEqual(['FAIL', expect.stringContaining('no database at')]);
    expect(lines['mail relay']![0]).toBe('warn');
    expect(lines['backups']![0]).toBe('warn');
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
