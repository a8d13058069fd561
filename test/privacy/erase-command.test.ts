import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { auditLog } from '../../src/db/schema/index.js';
import { runCli } from '../helpers/run-cli.js';
import { createTestApp, WEBHOOK_SECRET } from '../helpers/test-app.js';
import { TestClock } from '../helpers/test-clock.js';
import { accounts, ADA, buyAt, snapshotDatabase, supporterOf } from './privacy-kit.js';

const envFor = (databasePath: string) => ({
  DATABASE_PATH: databasePath,
  STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
  PUBLIC_URL: 'https://socks.example',
});

describe('npm run cli -- supporter:erase', () => {
  it('erases a buyer with a reason, audited as the command line; after that their address is unknown everywhere', async () => {
    const t = createTestApp({ clock: new TestClock(Date.now() - 60_000) });
    await buyAt(t, { ...ADA, pairs: 2 });
    const ada = supporterOf(t, ADA.email);
    const env = envFor(t.databasePath);
    const before = accounts(t);
    const untouched = snapshotDatabase(t);

    const refused = await Promise.all([
      runCli(['supporter:erase', '--email', ADA.email], env),
      runCli(['supporter:erase', '--email', ADA.email, '--reason', '   '], env),
      runCli(['supporter:erase', '--email', 'not-an-address', '--reason', 'asked'], env),
      runCli(['supporter:erase', '--email', 'nobody@example.org', '--reason', 'asked'], env),
      runCli(['supporter:erase', '--email', ADA.email, '--reason', 'asked', '--force'], env),
    ]);
    expect(refused.map((r) => r.code)).toEqual([64, 64, 64, 1, 64]);
    expect(refused[3]!.stderr).toBe('no supporter with the email nobody@example.org\n');
    for (const result of refused) expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(snapshotDatabase(t)).toEqual(untouched);

    const erased = await runCli(['supporter:erase', '--email', 'ADA@example.org', '--reason', 'asked on 1 Dec'], env);
    const twice = await runCli(['supporter:erase', '--email', ADA.email, '--reason', 'asked again'], env);
    const link = await runCli(['supporter:link', '--email', ADA.email], env);

    expect(erased).toMatchObject({
      code: 0,
      stdout:
        `erased supporter #${ada.id}: 1 order(s) kept as "erased supporter #${ada.id}", ` +
        '1 email(s) emptied, 1 stored Stripe event(s) cleaned\n',
    });
    expect(twice.code).toBe(1);
    expect(twice.stderr).toMatch(
      new RegExp(
        `^this address's buyer was erased already \\(supporter #${ada.id}, on \\d{4}-\\d{2}-\\d{2}\\); nothing changed\\n$`,
      ),
    );
    expect(link).toMatchObject({ code: 1, stderr: `no supporter with the email ${ADA.email}\n` });
    expect(accounts(t)).toEqual(before);
    const audit = t.ctx.db.select().from(auditLog).where(eq(auditLog.action, 'supporter.erase')).all();
    expect(audit).toMatchObject([{ staffId: null, actor: 'command line', subject: `supporter:${ada.id}` }]);
    expect(audit[0]!.after).toContain('"reason":"asked on 1 Dec"');
    expect(JSON.stringify(audit)).not.toContain(ADA.email);
  });
});
