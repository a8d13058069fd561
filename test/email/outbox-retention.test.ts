import { describe, expect, it } from 'vitest';
import { runMonthlyEmails } from '../../src/email/monthly-run.js';
import { pruneSentBodies } from '../../src/email/outbox-retention.js';
import { purchase, stripeEvent } from '../helpers/stripe-events.js';
import { runCli } from '../helpers/run-cli.js';
import { staffBrowser } from '../helpers/staff-console.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';
import { TestClock } from '../helpers/test-clock.js';
import { outboxRows } from './mail-test-kit.js';

const DAY = 86_400_000;
const MARCH = Date.parse('2025-03-10T12:00:00Z');

/** Two February shoppers: their receipts and February's impact emails, sent (as files) on 10 March. */
async function sentInMarch(): Promise<TestApp> {
  const t = createTestApp({ clock: new TestClock(MARCH) });
  for (const email of ['ada@example.org', 'bob@example.org']) {
    const p = purchase({ email, lines: [{ pairsPerUnit: 2 }] });
    await t.deliver(
      stripeEvent('checkout.session.completed', p.session, {
        createdSeconds: Math.floor(Date.parse('2025-02-14T10:00:00Z') / 1000),
      }),
    );
  }
  await t.settle();
  await runMonthlyEmails({ db: t.ctx.db, mailer: t.ctx.mail.mailer, clock: t.clock }, { period: '2025-02' });
  await t.ctx.mail.outbox.drain();
  expect(outboxRows(t).map((row) => row.state)).toEqual(['sent', 'sent', 'sent', 'sent']);
  return t;
}

describe('emptying the text of old sent emails', () => {
  it('empties only sent emails older than the limit, keeps their rows, and never lets anything go twice', async () => {
    const t = await sentInMarch();
    t.clock.advance(91 * DAY);
    const late = purchase({ email: 'cara@example.org', lines: [{ pairsPerUnit: 1 }] });
    await t.deliver(stripeEvent('checkout.session.completed', late.session));
    await t.settle(); // cara's receipt stays queued: the outbox has not run since
    const before = outboxRows(t);

    expect(await pruneSentBodies(t.ctx.db, { keepDays: 92, now: t.clock.now() })).toMatchObject({
      found: 0,
      pruned: 0,
    });
    expect(await pruneSentBodies(t.ctx.db, { keepDays: 90, now: t.clock.now(), shouldStop: () => true })).toMatchObject(
      { found: 4, pruned: 0 },
    ); // stopped before its first batch
    const dry = await pruneSentBodies(t.ctx.db, { keepDays: 90, now: t.clock.now(), isDryRun: true });
    expect(dry).toEqual({ keepDays: 90, sentBefore: t.clock.now() - 90 * DAY, found: 4, pruned: 0, isDryRun: true });
    expect(outboxRows(t)).toEqual(before);

    const progress: [number, number][] = [];
    const summary = await pruneSentBodies(t.ctx.db, {
      keepDays: 90,
      now: t.clock.now(),
      onProgress: (done, total) => progress.push([done, total]),
    });
    expect(summary).toMatchObject({ found: 4, pruned: 4, isDryRun: false });
    expect(progress).toEqual([
      [0, 4],
      [4, 4],
    ]);

    const after = outboxRows(t);
    for (const [i, row] of after.entries()) {
      const was = before[i]!;
      if (was.state === 'sent') {
        expect(row).toEqual({ ...was, textBody: '', htmlBody: '', bodyPrunedAt: t.clock.now() });
      } else {
        expect(row).toEqual(was); // the queued receipt keeps everything it needs to go
        expect(row.textBody).toContain('Thank you');
      }
    }

    // The rows still hold their idempotency keys: running the month again queues nothing.
    const again = await runMonthlyEmails(
      { db: t.ctx.db, mailer: t.ctx.mail.mailer, clock: t.clock },
      { period: '2025-02' },
    );
    expect(again).toMatchObject({ queued: 0, skipped: { alreadyQueued: 2 } });
    expect(await pruneSentBodies(t.ctx.db, { keepDays: 90, now: t.clock.now() })).toMatchObject({
      found: 0,
      pruned: 0,
    });
  });

  it('shows staff that an emptied email had its text removed, and serves no HTML for it', async () => {
    const t = await sentInMarch();
    const [first] = outboxRows(t, 'monthly');
    await pruneSentBodies(t.ctx.db, { keepDays: 1, now: t.clock.now() + 2 * DAY });
    const browser = await staffBrowser(t);

    const page = (await browser.get(`/admin/emails/${first!.id}`)).text;
    expect(page).toContain('<p id="email-pruned">The text of this email was emptied on 2025-03-12');
    expect(page).toContain(first!.messageId.replace(/</g, '&lt;').replace(/>/g, '&gt;'));
    expect(page).not.toContain('Text version');
    const html = await browser.get(`/admin/emails/${first!.id}/html`);
    expect(html.status).toBe(404);
    expect(html.text).toContain('The text of this email was emptied some time after it was sent');
  });

  it('runs as npm run cli -- emails:prune, with a dry run, progress and a clear refusal of a bad limit', async () => {
    const t = await sentInMarch(); // sent in March 2025: long before today, which the command goes by
    const env = { DATABASE_PATH: t.databasePath };

    const bad = await runCli(['emails:prune', '--older-than', '0'], env);
    expect(bad).toMatchObject({
      code: 64,
      stdout: '',
      stderr: '--older-than must be a whole number of days, 1 or more (got "0")\n',
    });

    const dry = await runCli(['emails:prune', '--dry-run'], env);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(
      /^emails sent more than 90 days ago \(before \d{4}-\d{2}-\d{2} UTC\) \(dry run: nothing was changed\)\n {2}would empty 4\n/,
    );
    expect(outboxRows(t).filter((row) => row.textBody === '')).toHaveLength(0);

    const real = await runCli(['emails:prune'], env);
    expect(real.code).toBe(0);
    expect(real.stdout).toContain('  emptied 4\n');
    expect(real.stderr).toContain('progress: 100% (4 / 4 emails)\n');
    expect(outboxRows(t).map((row) => row.textBody)).toEqual(['', '', '', '']);
  });

  it('runs in the app once a day, after EMAIL_RETENTION_DAYS (default 90), and not at all when that is 0', async () => {
    const t = await sentInMarch();
    t.clock.advance(91 * DAY);
    t.ctx.mail.start();
    try {
      const next = t.ctx.mail.nextPruneRun()!;
      expect(next.getTime() - Date.now()).toBeGreaterThan(0);
      expect(next.getTime() - Date.now()).toBeLessThanOrEqual(DAY);
      expect(
        new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/London', hour: '2-digit', minute: '2-digit' }).format(
          next,
        ),
      ).toBe('03:30');
      expect(await t.ctx.mail.pruneOldEmails()).toMatchObject({ keepDays: 90, found: 4, pruned: 4 });
      expect(outboxRows(t).map((row) => row.textBody)).toEqual(['', '', '', '']);
    } finally {
      await t.ctx.mail.stop();
    }
    expect(t.ctx.mail.nextPruneRun()).toBeNull();

    const kept = createTestApp({ env: { EMAIL_RETENTION_DAYS: '0' }, clock: new TestClock(MARCH + 400 * DAY) });
    kept.ctx.mail.start();
    try {
      expect(kept.ctx.mail.nextPruneRun()).toBeNull();
      expect(await kept.ctx.mail.pruneOldEmails()).toBeNull();
    } finally {
      await kept.ctx.mail.stop();
    }
    expect(() => createTestApp({ env: { EMAIL_RETENTION_DAYS: 'ninety' } })).toThrow(
      'EMAIL_RETENTION_DAYS must be an integer from 0 to 36500 (got "ninety")',
    );
  });
});
