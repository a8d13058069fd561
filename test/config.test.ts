import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/lib/logger.js';
import { makeTempDir } from './helpers/test-app.js';
import { ConfigError } from '../src/errors.js';

describe('configuration', () => {
  it('runs on embedded defaults outside production', () => {
    const config = loadConfig({ DATABASE_PATH: path.join(makeTempDir(), 'socks.db') });
    expect(config).toMatchObject({ env: 'development', port: 3000, publicUrl: 'http://localhost:3000' });
    expect(config.http).toEqual({ headersTimeoutMs: 20_000, requestTimeoutMs: 30_000, keepAliveTimeoutMs: 5_000 });
    expect(config.donationPerPair).toEqual({ GBP: 100 });
  });

  it('refuses to start in production without its secrets, naming every problem at once', () => {
    let error: unknown;
    try {
      loadConfig({ NODE_ENV: 'production', PORT: 'eighty' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([
      'PORT must be an integer from 0 to 65535 (got "eighty")',
      'STRIPE_WEBHOOK_SECRET is required in production',
      'SESSION_SECRET is required in production',
    ]);
  });

  it('rejects malformed values', () => {
    expect(() =>
      loadConfig({
        NODE_ENV: 'production',
        STRIPE_WEBHOOK_SECRET: 'not-a-secret',
        SESSION_SECRET: 'short',
        DONATION_PER_PAIR: 'GBP=1',
        PUBLIC_URL: 'ftp://x',
      }),
    ).toThrow(
      /PUBLIC_URL must be an http\(s\) URL.*STRIPE_WEBHOOK_SECRET values must be the signing secret Stripe shows.*SESSION_SECRET must be at least 32 random characters.*DONATION_PER_PAIR must look like/,
    );
    expect(() => loadConfig({ DONATION_PER_PAIR: 'GBP=1' })).toThrow(/DONATION_PER_PAIR must look like/);
    for (const mailFrom of ['Socks', 'Socks <impact>', 'a@b.c, d@e.f', 'Socks <>'])
      expect(() => loadConfig({ MAIL_FROM: mailFrom }), mailFrom).toThrow(
        `MAIL_FROM must be one address, such as impact@example.org or "Critically Endangered Socks <impact@example.org>" (got "${mailFrom}")`,
      );
    const senders = [
      'impact@example.org',
      'Socks <impact@example.org>',
      '"Socks, Ltd" <impact@example.org>',
      '"Socks <shop>" <a@b.c>',
      'Name < a@b.c >',
      '"Jane Doe"@example.org',
      'a@b.c (Socks)',
    ];
    const DATABASE_PATH = path.join(makeTempDir(), 'socks.db');
    for (const mailFrom of senders) expect(loadConfig({ MAIL_FROM: mailFrom, DATABASE_PATH }).mailFrom).toBe(mailFrom);
  });

  it('takes durations with their units, and refuses a header deadline past the request deadline', () => {
    const dir = makeTempDir();
    const config = loadConfig({
      DATABASE_PATH: path.join(dir, 'socks.db'),
      HTTP_HEADERS_TIMEOUT: '15s',
      HTTP_REQUEST_TIMEOUT: '1m',
      HTTP_KEEP_ALIVE_TIMEOUT: '65',
    });
    expect(config.http).toEqual({ headersTimeoutMs: 15_000, requestTimeoutMs: 60_000, keepAliveTimeoutMs: 65_000 });
    expect(() =>
      loadConfig({
        DATABASE_PATH: path.join(dir, 'socks.db'),
        HTTP_HEADERS_TIMEOUT: '2m',
        HTTP_REQUEST_TIMEOUT: '1m',
        HTTP_KEEP_ALIVE_TIMEOUT: 'soon',
      }),
    ).toThrow(
      'invalid configuration: HTTP_KEEP_ALIVE_TIMEOUT must be a duration such as 30s or 15m, from 1s to 10m (got "soon"); HTTP_HEADERS_TIMEOUT must not be longer than HTTP_REQUEST_TIMEOUT',
    );
  });

  it('takes any webhook or session secret outside production, as Stripe itself does', () => {
    const config = loadConfig({ STRIPE_WEBHOOK_SECRET: 'test_secret, another', SESSION_SECRET: 'short' });
    expect(config.secrets.stripeWebhookSecrets).toEqual(['test_secret', 'another']);
    expect(config.secrets.sessionSecret).toBe('short');
  });

  it('keeps secrets out of log lines', () => {
    const lines: string[] = [];
    const log = createLogger('info', {}, (line) => lines.push(line));
    log.info('configured', { stripeSecretKey: 'sk_live_123', smtpUrl: 'smtp://u:p@h', port: 3000 });
    expect(lines.join('')).not.toContain('sk_live_123');
    expect(lines.join('')).not.toContain('u:p@h');
    expect(JSON.parse(lines[0]!)).toMatchObject({ msg: 'configured', stripeSecretKey: '[redacted]', port: 3000 });
  });

  it('writes only lines at or above its level, and says which levels those are', () => {
    const lines: string[] = [];
    const log = createLogger('warn', {}, (line) => lines.push(line)).child({ requestId: 'r1' });
    log.info('dropped');
    log.error('kept');
    expect(lines.map((line) => JSON.parse(line).msg)).toEqual(['kept']);
    expect([log.isEnabled('debug'), log.isEnabled('info'), log.isEnabled('warn'), log.isEnabled('error')]).toEqual([
      false,
      false,
      true,
      true,
    ]);
    expect(createLogger('silent').isEnabled('error')).toBe(false);
  });
});
