import fs from 'node:fs';
import path from 'node:path';
import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { createSmtpTransport } from '../../src/email/smtp-transport.js';
import { findSupporterByEmail } from '../../src/supporters/supporters.queries.js';
import { createTestApp, makeTempDir } from '../helpers/test-app.js';
import { appSendingTo, buy, outboxRows, smtpSink } from './mail-test-kit.js';

const MINUTE = 60_000;

describe('the outbox delivers through SMTP', () => {
  it('retries a recipient the server defers (4xx) and delivers it once it is accepted', async () => {
    const sink = await smtpSink();
    sink.rcptPolicy = (address, attempt) =>
      address === 'ada@example.org' && attempt === 1
        ? { code: 451, message: '4.7.1 Greylisted, try again later' }
        : null;
    const t = appSendingTo(sink);
    await buy(t, { email: 'ada@example.org', pairs: 2 });

    await t.ctx.mail.outbox.drain();
    expect(sink.received).toHaveLength(0);
    expect(outboxRows(t)).toMatchObject([{ state: 'failed', attempts: 1, nextAttemptAt: t.clock.now() + MINUTE }]);
    expect(outboxRows(t)[0]!.lastError).toContain('451 4.7.1 Greylisted');

    await t.ctx.mail.outbox.drain(); // not due yet: nothing happens
    expect(outboxRows(t)).toMatchObject([{ state: 'failed', attempts: 1 }]);
    t.clock.advance(MINUTE);
    await t.ctx.mail.outbox.drain();

    expect(sink.received.map((m) => m.rcptTo)).toEqual([['ada@example.org']]);
    expect(outboxRows(t)).toMatchObject([{ state: 'sent', attempts: 2, lastError: null, sentAt: t.clock.now() }]);
  });

  it('gives up on a recipient the server rejects (5xx), never mails them again, and delivers to everyone else', async () => {
    const sink = await smtpSink();
    let bobAttempts = 0;
    sink.rcptPolicy = (address) => {
      if (address !== 'bob@example.org') return null;
      bobAttempts++;
      return { code: 550, message: '5.1.1 No such user here' };
    };
    const t = appSendingTo(sink);
    for (const email of ['ada@example.org', 'bob@example.org', 'cy@example.org', 'dee@example.org'])
      await buy(t, { email, pairs: 1 });

    await t.ctx.mail.outbox.drain();

    expect(sink.received.map((m) => m.rcptTo[0]).sort()).toEqual([
      'ada@example.org',
      'cy@example.org',
      'dee@example.org',
    ]);
    const bobRow = outboxRows(t).find((row) => row.recipient === 'bob@example.org')!;
    expect(bobRow).toMatchObject({ state: 'dead', attempts: 1 });
    expect(bobRow.lastError).toContain('550 5.1.1 No such user here');
    expect(findSupporterByEmail(t.ctx.db, 'bob@example.org')?.isDeliverable).toBe(false);
    expect(findSupporterByEmail(t.ctx.db, 'ada@example.org')?.isDeliverable).toBe(true);

    // A later email to Bob is given up without asking the server.
    t.ctx.mail.mailer.queueImpactLink(t.ctx.db, findSupporterByEmail(t.ctx.db, 'bob@example.org')!, 'req-1');
    t.clock.advance(24 * 60 * MINUTE);
    await t.ctx.mail.outbox.drain();
    expect(bobAttempts).toBe(1);
    expect(outboxRows(t, 'impact_link')).toMatchObject([{ state: 'dead', attempts: 0 }]);
    expect(outboxRows(t, 'impact_link')[0]!.lastError).toContain('undeliverable');
    expect(sink.received).toHaveLength(3);
  });

  it('waits while the SMTP server is down and delivers everything, once, when it is back', async () => {
    const probe = await smtpSink();
    const port = probe.port;
    await probe.close(); // nothing listens on the port now
    const t = createTestApp({ env: { SMTP_URL: `smtp://127.0.0.1:${port}` } });
    for (const email of ['ada@example.org', 'bob@example.org', 'cy@example.org']) await buy(t, { email, pairs: 1 });

    await t.ctx.mail.outbox.drain();
    for (const row of outboxRows(t)) {
      expect(row).toMatchObject({ state: 'failed', attempts: 1 });
      expect(row.lastError).toContain('ECONNREFUSED');
    }

    const sink = await smtpSink(port);
    t.clock.advance(2 * MINUTE);
    await t.ctx.mail.outbox.drain();
    t.clock.advance(60 * MINUTE);
    await t.ctx.mail.outbox.drain();

    expect(sink.received.map((m) => m.rcptTo[0]).sort()).toEqual([
      'ada@example.org',
      'bob@example.org',
      'cy@example.org',
    ]);
    expect(outboxRows(t).map((row) => [row.state, row.attempts])).toEqual([
      ['sent', 2],
      ['sent', 2],
      ['sent', 2],
    ]);
  });

  it('sends a message whose fate is unknown once more, with the same Message-ID, and never a third time', async () => {
    const sink = await smtpSink();
    // The server takes the whole message, then the connection dies before it answers.
    sink.dataPolicy = (rcptTo) => (rcptTo[0] === 'bob@example.org' ? 'drop' : 'accept');
    const t = appSendingTo(sink);
    await buy(t, { email: 'bob@example.org', pairs: 1 });

    await t.ctx.mail.outbox.drain();
    expect(outboxRows(t)).toMatchObject([{ state: 'failed', attempts: 1, unknownOutcomes: 1 }]);
    expect(outboxRows(t)[0]!.lastError).toMatch(/^outcome unknown/);

    t.clock.advance(MINUTE);
    await t.ctx.mail.outbox.drain();
    t.clock.advance(24 * 60 * MINUTE);
    await t.ctx.mail.outbox.drain();

    expect(sink.received).toHaveLength(2);
    expect(sink.received[1]!.parsed.messageId).toBe(sink.received[0]!.parsed.messageId);
    expect(outboxRows(t)).toMatchObject([{ state: 'dead', attempts: 2, unknownOutcomes: 2 }]);
    expect(outboxRows(t)[0]!.lastError).toMatch(/^outcome unknown twice, not retried again/);
  });

  it('delivers after one unknown outcome and keeps the note that it may have gone twice', async () => {
    const sink = await smtpSink();
    sink.dataPolicy = (_rcptTo, attempt) => (attempt === 1 ? 'drop' : 'accept');
    const t = appSendingTo(sink);
    await buy(t, { email: 'ada@example.org', pairs: 1 });

    await t.ctx.mail.outbox.drain();
    t.clock.advance(MINUTE);
    await t.ctx.mail.outbox.drain();

    expect(sink.received.map((m) => m.answer)).toEqual(['dropped', 'accepted']);
    expect(new Set(sink.received.map((m) => m.parsed.messageId)).size).toBe(1);
    expect(outboxRows(t)).toMatchObject([{ state: 'sent', attempts: 2, unknownOutcomes: 1, lastError: null }]);
  });
});

describe('the outbox without SMTP_URL', () => {
  it('writes each email as an .eml file, once, however often the outbox runs', async () => {
    const home = makeTempDir();
    const dir = path.join(home, 'outbox');
    const t = createTestApp({ dir: home, env: { MAIL_OUTBOX_DIR: dir } });
    await buy(t, { email: 'ada@example.org', name: 'Ada', pairs: 2 });

    await t.ctx.mail.outbox.drain();
    await t.ctx.mail.outbox.drain();

    const { messageId } = outboxRows(t)[0]!;
    const file = `00000001-${messageId.slice(1, messageId.indexOf('@'))}.eml`;
    expect(fs.readdirSync(dir)).toEqual([file]);
    const mail = await simpleParser(fs.readFileSync(path.join(dir, file)));
    expect(mail.to).toMatchObject({ value: [{ address: 'ada@example.org', name: 'Ada' }] });
    expect(mail.from).toMatchObject({ value: [{ address: 'impact@localhost', name: 'Critically Endangered Socks' }] });
    expect(mail.subject).toBe('Thank you: your socks keep a camera trap watching');
    expect(mail.text).toContain('Your 2 pairs will keep a camera trap watching for 2 weeks');
    expect(mail.html).toContain('Your 2 pairs will keep a camera trap watching for <strong>2 weeks</strong>');
    expect(mail.messageId).toBe(outboxRows(t)[0]!.messageId);
    expect(outboxRows(t)).toMatchObject([{ state: 'sent', attempts: 1 }]);
  });

  it('keeps both emails when two databases share the directory, though their outbox ids are the same', async () => {
    const dir = path.join(makeTempDir(), 'shared-outbox');
    const shops = [createTestApp({ env: { MAIL_OUTBOX_DIR: dir } }), createTestApp({ env: { MAIL_OUTBOX_DIR: dir } })];
    await buy(shops[0]!, { email: 'ada@example.org', name: 'Ada', pairs: 1 });
    await buy(shops[1]!, { email: 'grace@example.org', name: 'Grace', pairs: 1 });
    for (const shop of shops) await shop.ctx.mail.outbox.drain();

    const files = fs.readdirSync(dir).sort();
    expect(files).toHaveLength(2);
    expect(files.every((file) => file.startsWith('00000001-'))).toBe(true);
    const recipients = await Promise.all(
      files.map(async (file) => (await simpleParser(fs.readFileSync(path.join(dir, file)))).to),
    );
    expect(
      recipients
        .flatMap((to) => (Array.isArray(to) ? to : [to]).flatMap((one) => one!.value.map((v) => v.address)))
        .sort(),
    ).toEqual(['ada@example.org', 'grace@example.org']);
  });
});

describe('a message that cannot be built', () => {
  it('is given up at once with the reason, and the relay never hears of it', async () => {
    const sink = await smtpSink();
    const transport = createSmtpTransport(sink.url, { maxConnections: 1, ratePerSecond: 0 });
    try {
      const message = {
        outboxId: 1,
        from: 'Socks <impact@socks.example>',
        to: { address: 'shopper@example.org', name: null },
        subject: 'Thank you',
        // No row can hold this (bodies are strings): it stands for any content nodemailer fails to build, here a
        // file that is not there.
        text: { path: path.join(makeTempDir(), 'missing.txt') } as unknown as string,
        html: '<p>Thank you</p>',
        headers: {},
        messageId: '<broken@socks.example>',
      };
      const outcome = await transport.send(message);
      expect(outcome).toMatchObject({ status: 'rejected', isRecipientRejected: false });
      expect(outcome.status === 'rejected' && outcome.error).toMatch(/^could not build the message: ENOENT/);
      const delivered = await transport.send({ ...message, text: 'Thank you', messageId: '<fine@socks.example>' });
      expect(delivered.status).toBe('sent');
      expect(sink.received.map((mail) => mail.parsed.messageId)).toEqual(['<fine@socks.example>']);
      expect(sink.received[0]!.mailFrom).toBe('impact@socks.example');
    } finally {
      transport.close();
    }
  });
});
