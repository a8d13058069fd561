import { spawn } from 'node:child_process';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/client.js';
import { emailOutbox } from '../../src/db/schema/index.js';
import { countOutboxByState } from '../../src/email/outbox.queries.js';
import { findOrCreateSupporter } from '../../src/supporters/supporters.queries.js';
import { outboxBeside } from '../helpers/run-cli.js';
import { createTestApp, makeTempDir } from '../helpers/test-app.js';
import { outboxRows, smtpSink } from './mail-test-kit.js';

const ROOT = path.resolve(import.meta.dirname, '../..');

async function until<T>(what: string, probe: () => T | undefined, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

describe('the outbox across a crash', () => {
  it('picks up where it stopped: nothing queued is lost, and only the message in flight goes twice', async () => {
    const sink = await smtpSink();
    const dir = makeTempDir();
    const databasePath = path.join(dir, 'socks.db');
    const env = { SMTP_URL: sink.url, SMTP_MAX_CONNECTIONS: '1' };
    const before = createTestApp({ dir, env });
    for (let i = 1; i <= 60; i++) {
      const supporter = findOrCreateSupporter(before.ctx.db, `s${i}@example.org`, null, before.clock.now());
      before.ctx.mail.mailer.queueImpactLink(before.ctx.db, supporter, 'req');
    }
    await before.close();
    // The 10th message arrives whole, and the server never answers: the app dies waiting.
    let arrivals = 0;
    sink.dataPolicy = () => (++arrivals === 10 ? 'hang' : 'accept');

    const server = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src/main.ts')], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        NODE_ENV: 'test',
        PORT: '0',
        DATABASE_PATH: databasePath,
        ...outboxBeside({ DATABASE_PATH: databasePath }),
        PUBLIC_URL: 'http://socks.test',
        ...env,
      },
      stdio: 'ignore',
    });
    const exited = new Promise((resolve) => server.on('exit', resolve));
    await sink.waitFor(10, 15_000);
    const watcher = openDatabase(databasePath);
    await until('the first nine to be recorded as sent', () =>
      countOutboxByState(watcher.db).sent === 9 ? true : undefined,
    );
    server.kill('SIGKILL');
    await exited;
    // The worker had claimed a window of 50: 9 sent, the 10th on the wire, 40 waiting their turn.
    expect(countOutboxByState(watcher.db)).toEqual({ sent: 9, sending: 41, queued: 10 });
    watcher.close();

    sink.dataPolicy = () => 'accept';
    const after = createTestApp({ dir, env });
    await after.ctx.mail.outbox.drain();

    const rows = outboxRows(after);
    expect(rows.every((row) => row.state === 'sent')).toBe(true);
    const timesReceived = new Map<string, number>();
    for (const mail of sink.received)
      timesReceived.set(mail.parsed.messageId!, (timesReceived.get(mail.parsed.messageId!) ?? 0) + 1);
    expect(rows.map((row) => timesReceived.get(row.messageId) ?? 0)).toEqual(
      rows.map((row) => (row.id === 10 ? 2 : 1)),
    );
    // The claimed rows are marked: for all the app knew, their first send might have happened.
    expect(rows.filter((row) => row.unknownOutcomes === 1).map((row) => row.id)).toEqual(
      Array.from({ length: 41 }, (_, i) => 10 + i),
    );
  });

  it('gives up on a message found in flight after a crash for the second time, rather than risk a third copy', async () => {
    const sink = await smtpSink();
    const dir = makeTempDir();
    const before = createTestApp({ dir, env: { SMTP_URL: sink.url } });
    const supporter = findOrCreateSupporter(before.ctx.db, 'ada@example.org', null, before.clock.now());
    before.ctx.mail.mailer.queueImpactLink(before.ctx.db, supporter, 'req');
    // As the app left it: sent once already with an unknown outcome, and in flight again when it died.
    before.ctx.db.update(emailOutbox).set({ state: 'sending', attempts: 2, unknownOutcomes: 1 }).run();
    await before.close();

    const after = createTestApp({ dir, env: { SMTP_URL: sink.url } });
    await after.ctx.mail.outbox.drain();

    expect(sink.received).toHaveLength(0);
    expect(outboxRows(after)).toMatchObject([
      {
        state: 'dead',
        unknownOutcomes: 2,
        lastError: 'outcome unknown: the app stopped while sending, for the second time; not retried again',
      },
    ]);
  });
});
