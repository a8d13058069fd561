import { describe, expect, it } from 'vitest';
import { progressReporter } from '../../src/cli/progress.js';
import { loadConfig } from '../../src/config.js';
import { ConfigError } from '../../src/errors.js';

describe('mail settings', () => {
  it('default to files in ./data/outbox wherever the database is, five connections, no rate limit and no schedule', () => {
    expect(loadConfig({ DATABASE_PATH: '/srv/socks/socks.db' }).mail).toEqual({
      outboxDir: './data/outbox',
      maxConnections: 5,
      ratePerSecond: 0,
      monthly: { isEnabled: false, cron: '0 9 1 * *', timezone: 'Europe/London' },
      retentionDays: 90,
    });
    expect(
      loadConfig({ DATABASE_PATH: '/srv/socks/socks.db', MAIL_OUTBOX_DIR: '/var/mail/socks' }).mail.outboxDir,
    ).toBe('/var/mail/socks');
  });

  it('reject malformed values, naming each one', () => {
    let error: unknown;
    try {
      loadConfig({
        SMTP_MAX_CONNECTIONS: '0',
        SMTP_RATE_LIMIT: 'fast',
        MONTHLY_EMAIL_ENABLED: 'maybe',
        MONTHLY_EMAIL_CRON: 'every month',
        MONTHLY_EMAIL_TZ: 'Mars/Olympus',
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([
      'MONTHLY_EMAIL_TZ must be an IANA time zone such as Europe/London (got "Mars/Olympus")',
      'MONTHLY_EMAIL_CRON must be a cron expression such as "0 9 1 * *" (got "every month")',
      'SMTP_MAX_CONNECTIONS must be an integer from 1 to 50 (got "0")',
      'SMTP_RATE_LIMIT must be an integer from 0 to 10000 (got "fast")',
      'MONTHLY_EMAIL_ENABLED must be true or false (got "maybe")',
    ]);
  });
});

describe('command progress', () => {
  const stream = (isTTY: boolean) => {
    const written: string[] = [];
    return { written, out: { isTTY, write: (chunk: string) => written.push(chunk) } as unknown as NodeJS.WriteStream };
  };

  it('redraws a bar in place on a terminal', () => {
    const { written, out } = stream(true);
    const progress = progressReporter('supporters', out);
    progress.update(1000, 4000);
    progress.update(4000, 4000);
    progress.finish();
    expect(written).toEqual([
      '\r[########......................]  25% 1,000 / 4,000 supporters',
      '\r[##############################] 100% 4,000 / 4,000 supporters',
      '\n',
    ]);
  });

  it('writes a plain line at every tenth otherwise', () => {
    const { written, out } = stream(false);
    const progress = progressReporter('supporters', out);
    for (let done = 500; done <= 2000; done += 500) progress.update(done, 2000);
    progress.finish();
    expect(written).toEqual([
      'progress: 20% (500 / 2,000 supporters)\n',
      'progress: 50% (1,000 / 2,000 supporters)\n',
      'progress: 70% (1,500 / 2,000 supporters)\n',
      'progress: 100% (2,000 / 2,000 supporters)\n',
    ]);
  });
});
