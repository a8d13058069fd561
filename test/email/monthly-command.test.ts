import { describe, expect, it } from 'vitest';
import { lastScheduledOccurrence } from '../../src/email/monthly-schedule.js';
import { monthJustEnded, runMonthlyEmails } from '../../src/email/monthly-run.js';
import { isMonthlyRunCompleted } from '../../src/email/monthly-runs.queries.js';
import { createLogger } from '../../src/lib/logger.js';
import { periodStart } from '../../src/lib/months.js';
import { TestClock } from '../helpers/test-clock.js';
import { runCli } from '../helpers/run-cli.js';
import { appSendingTo, buy, outboxRows, receivedWith, smtpSink } from './mail-test-kit.js';

const DAY = 86_400_000;
const CATCH_UP = 'a scheduled monthly impact run was missed or stopped halfway; running it now';

describe('npm run cli -- emails:monthly', () => {
  it('shows the counts and a sample on a dry run, then queues with plain progress lines when not on a terminal', async () => {
    const t = appSendingTo(await smtpSink());
    const period = monthJustEnded(Date.now());
    await buy(t, { email: 'ada@example.org', pairs: 2, paidAt: periodStart(period) + DAY });
    await buy(t, { email: 'bob@example.org', pairs: 1, paidAt: periodStart(period) + DAY });
    const env = { DATABASE_PATH: t.databasePath, PUBLIC_URL: 'http://socks.test' };

    const dry = await runCli(['emails:monthly', '--dry-run'], env);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain(`monthly impact emails for ${period} (dry run: nothing was queued)`);
    expect(dry.stdout).toMatch(/would queue +2\n/);
    expect(dry.stdout).toContain('sample (to ada@example.org)');
    expect(dry.stdout).toContain('your socks funded 2 camera-trap-weeks, and 2 in all so far.');
    expect(outboxRows(t, 'monthly')).toHaveLength(0);

    const real = await runCli(['emails:monthly', '--period', period], env);
    expect(real.code).toBe(0);
    expect(real.stderr).toContain('progress: 100% (2 / 2 supporters)\n');
    expect(real.stdout).toMatch(/queued +2\n {2}skipped +0\n/);
    expect(outboxRows(t, 'monthly').map((row) => row.recipient)).toEqual(['ada@example.org', 'bob@example.org']);
  });

  it('refuses a month that has not ended with a clear message', async () => {
    const t = appSendingTo(await smtpSink());
    const thisMonth = new Date().toISOString().slice(0, 7);

    const unfinished = await runCli(['emails:monthly', '--period', thisMonth], { DATABASE_PATH: t.databasePath });

    expect(unfinished).toMatchObject({
      code: 64,
      stdout: '',
      stderr: `${thisMonth} has not ended yet; its emails can go once it has.\n`,
    });
  });
});

describe('the monthly schedule', () => {
  it('queues and sends the month that just ended when its cron fires, once enabled', async () => {
    const sink = await smtpSink();
    const t = appSendingTo(sink, {
      env: { MONTHLY_EMAIL_ENABLED: 'true', MONTHLY_EMAIL_CRON: '* * * * * *', MONTHLY_EMAIL_TZ: 'Europe/London' },
    });
    await buy(t, { email: 'ada@example.org', pairs: 1, paidAt: periodStart(monthJustEnded(t.clock.now())) + DAY });

    t.ctx.mail.start();
    await sink.waitFor(2); // the thank-you, and the monthly email at the next second
    await t.ctx.mail.stop();

    expect(receivedWith(sink, /^Your leopard impact in /).map((m) => m.rcptTo)).toEqual([['ada@example.org']]);
    expect(outboxRows(t, 'monthly')).toMatchObject([
      { idempotencyKey: `monthly:${monthJustEnded(t.clock.now())}:1`, state: 'sent' },
    ]);
  });

  it('is off unless enabled, and by default fires on the 1st at 09:00 London time', async () => {
    const off = appSendingTo(await smtpSink());
    const on = appSendingTo(await smtpSink(), { env: { MONTHLY_EMAIL_ENABLED: 'true' } });

    off.ctx.mail.start();
    on.ctx.mail.start();

    expect(off.ctx.mail.nextMonthlyRun()).toBeNull();
    const next = on.ctx.mail.nextMonthlyRun()!;
    const inLondon = new Intl.DateTimeFormat('en-GB', {
      timeZone: 'Europe/London',
      day: 'numeric',
      hour: '2-digit',
      minute: '2-digit',
    }).format(next);
    expect(inLondon).toBe('1, 09:00');
    expect(next.getTime() - Date.now()).toBeGreaterThan(0);
    expect(next.getTime() - Date.now()).toBeLessThanOrEqual(32 * DAY);
    await Promise.all([off.ctx.mail.stop(), on.ctx.mail.stop()]);
  });

  it('runs a month whose run fell due while the app was stopped when it starts, and only once', async () => {
    const sink = await smtpSink();
    const lines: { msg: string; period?: string }[] = [];
    const logger = createLogger('info', {}, (line) => void lines.push(JSON.parse(line)));
    // 20 October: the run for September was due on 1 October at 09:00 London time, and never happened.
    const clock = new TestClock(Date.UTC(2026, 9, 20, 12));
    const t = appSendingTo(sink, { clock, env: { MONTHLY_EMAIL_ENABLED: 'true' }, overrides: { logger } });
    await buy(t, { email: 'ada@example.org', pairs: 2, paidAt: Date.UTC(2026, 8, 10) });

    t.ctx.mail.start();
    await sink.waitFor(2); // the thank-you, and September's monthly email
    await t.ctx.mail.stop();
    t.ctx.mail.start(); // a restart: September's emails exist now, so nothing runs
    await t.ctx.mail.stop();

    expect(receivedWith(sink, /^Your leopard impact in /).map((m) => m.rcptTo)).toEqual([['ada@example.org']]);
    expect(outboxRows(t, 'monthly')).toMatchObject([{ idempotencyKey: 'monthly:2026-09:1', state: 'sent' }]);
    const catchUps = lines.filter((line) => line.msg === CATCH_UP);
    expect(catchUps).toEqual([expect.objectContaining({ period: '2026-09' })]);
  });

  it('finishes a run that a shutdown stopped halfway, when the app starts again', async () => {
    const sink = await smtpSink();
    const clock = new TestClock(Date.UTC(2026, 9, 20, 12));
    const t = appSendingTo(sink, { clock, env: { MONTHLY_EMAIL_ENABLED: 'true' } });
    for (const email of ['ada@example.org', 'bob@example.org', 'cy@example.org'])
      await buy(t, { email, pairs: 1, paidAt: Date.UTC(2026, 8, 10) });
    // The September run, stopped by a shutdown after its first page of one supporter.
    const stopped = runMonthlyEmails(
      { db: t.ctx.db, mailer: t.ctx.mail.mailer, clock },
      {
        period: '2026-09',
        pageSize: 1,
        onProgress: () => {
          throw new Error('the app is shutting down');
        },
      },
    );
    await expect(stopped).rejects.toThrow('shutting down');
    expect(outboxRows(t, 'monthly').map((row) => row.recipient)).toEqual(['ada@example.org']);
    expect(isMonthlyRunCompleted(t.ctx.db, '2026-09')).toBe(false);

    t.ctx.mail.start();
    await sink.waitFor(6); // three thank-yous, then the three monthly emails
    await t.ctx.mail.stop();

    expect(
      receivedWith(sink, /^Your leopard impact in /)
        .flatMap((m) => m.rcptTo)
        .sort(),
    ).toEqual(['ada@example.org', 'bob@example.org', 'cy@example.org']);
    expect(outboxRows(t, 'monthly')).toHaveLength(3);
    expect(isMonthlyRunCompleted(t.ctx.db, '2026-09')).toBe(true);
  });

  it('finds the latest occurrence before now, and the month it was for', () => {
    const london = 'Europe/London';
    const periodAt = (cron: string, now: number) => lastScheduledOccurrence(cron, london, now)?.period ?? null;
    expect(lastScheduledOccurrence('0 9 1 * *', london, Date.UTC(2026, 9, 20, 12))).toEqual({
      at: Date.UTC(2026, 9, 1, 8),
      period: '2026-09',
    });
    // 1 November, 08:30 in London (GMT): this month's run is still to come, so the last was October's, for September.
    expect(periodAt('0 9 1 * *', Date.UTC(2026, 10, 1, 8, 30))).toBe('2026-09');
    expect(periodAt('0 9 1 * *', Date.UTC(2026, 10, 1, 9, 30))).toBe('2026-10');
    // 1 July, 08:30 UTC is 09:30 in London (BST): the run has fallen due.
    expect(periodAt('0 9 1 * *', Date.UTC(2026, 6, 1, 8, 30))).toBe('2026-06');
    expect(periodAt('0 9 1 1 *', Date.UTC(2026, 9, 20))).toBeNull(); // yearly: none in the last 32 days
    // Every second: the latest was a second ago, found without scanning a month of seconds.
    expect(lastScheduledOccurrence('* * * * * *', london, Date.UTC(2026, 9, 20, 12, 0, 0, 500))).toEqual({
      at: Date.UTC(2026, 9, 20, 12),
      period: '2026-09',
    });
  });
});
