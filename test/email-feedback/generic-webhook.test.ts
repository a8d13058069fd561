import { describe, expect, it } from 'vitest';
import { monthJustEnded, runMonthlyEmails } from '../../src/email/monthly-run.js';
import { nextPeriod, periodEnd, periodStart } from '../../src/lib/months.js';
import { appSendingTo, buy, outboxRows, receivedWith, smtpSink } from '../email/mail-test-kit.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';
import {
  feedbackEnv,
  hmacSignature,
  iso,
  lastEmailTo,
  notificationRows,
  postGeneric,
  supporterFlags,
} from './feedback-kit.js';

const DAY = 86_400_000;
const MONTHLY = /^Your leopard impact in /;

function runMonth(t: TestApp, period: string) {
  return runMonthlyEmails({ db: t.ctx.db, mailer: t.ctx.mail.mailer, clock: t.clock }, { period });
}

describe('bounces and complaints through the generic endpoint', () => {
  it('suppresses hard-bounced and complaining buyers from the next monthly run, and still sends receipts to complainers', async () => {
    const sink = await smtpSink();
    const t = appSendingTo(sink, { env: feedbackEnv });
    const period = monthJustEnded(t.clock.now());
    const buyers = Array.from({ length: 50 }, (_, i) => `buyer${i}@example.org`);
    for (const email of buyers) await buy(t, { email, pairs: 1, paidAt: periodStart(period) + DAY });
    await runMonth(t, period);
    await t.ctx.mail.outbox.drain();
    expect(receivedWith(sink, MONTHLY)).toHaveLength(50);

    // 2% hard bounces (one of fifty), and two complaints, as a provider reports them later.
    const [bounced, complainer1, complainer2] = [buyers[3]!, buyers[10]!, buyers[20]!];
    const notices = [
      { id: 'n-1', type: 'hard_bounce', email: bounced },
      { id: 'n-2', type: 'complaint', email: complainer1 },
      { id: 'n-3', type: 'complaint', email: complainer2.toUpperCase() },
      { id: 'n-4', type: 'delivery', email: buyers[30] },
    ];
    for (const notice of notices) {
      const email = notice.email!.toLowerCase();
      const response = await postGeneric(t, {
        ...notice,
        messageId: lastEmailTo(t, email, 'monthly').messageId,
        occurredAt: iso(t.clock.now()),
      });
      expect(response.status).toBe(200);
      expect(response.body).toEqual({ received: true, stored: 1, duplicates: 0 });
    }
    expect(supporterFlags(t, bounced)).toEqual({ isDeliverable: false, isSubscribed: true });
    expect(supporterFlags(t, complainer1)).toEqual({ isDeliverable: true, isSubscribed: false });
    expect(supporterFlags(t, complainer2)).toEqual({ isDeliverable: true, isSubscribed: false });
    expect(lastEmailTo(t, buyers[30]!, 'monthly').feedback).toBe('delivered');
    expect(lastEmailTo(t, bounced, 'monthly').feedback).toBe('hard_bounce');
    expect(notificationRows(t).map((n) => [n.type, n.effect, n.sendKey])).toEqual([
      ['hard_bounce', 'undeliverable', `monthly:${period}`],
      ['complaint', 'unsubscribed', `monthly:${period}`],
      ['complaint', 'unsubscribed', `monthly:${period}`],
      ['delivery', 'recorded', `monthly:${period}`],
    ]);

    // The next month: none of the three is mailed again; a complainer's purchase still gets its receipt.
    const next = nextPeriod(period);
    t.clock.advance(periodEnd(next) + 1000 - t.clock.now());
    await buy(t, { email: complainer1, pairs: 2, paidAt: periodStart(next) + DAY });
    await buy(t, { email: bounced, pairs: 2, paidAt: periodStart(next) + DAY });
    const summary = await runMonth(t, next);
    expect(summary.skipped).toMatchObject({ unsubscribed: 2, undeliverable: 1 });
    expect(summary.queued).toBe(47);
    await t.ctx.mail.outbox.drain();
    const nextRun = outboxRows(t, 'monthly').filter((row) => row.idempotencyKey.startsWith(`monthly:${next}:`));
    expect(nextRun.map((row) => row.recipient)).not.toEqual(expect.arrayContaining([bounced]));
    expect(nextRun.map((row) => row.recipient).filter((r) => [complainer1, complainer2].includes(r))).toEqual([]);
    const receipts = sink.received.filter((m) => /^Thank you/.test(m.parsed.subject ?? '')).map((m) => m.rcptTo[0]);
    expect(receipts.filter((to) => to === complainer1)).toHaveLength(2);
    // The bounced address gets nothing at all, purchase emails included (as after a 5xx at send time).
    expect(receipts.filter((to) => to === bounced)).toHaveLength(1);
    expect(lastEmailTo(t, bounced, 'receipt').state).toBe('dead');
  });

  it('stores a redelivered notice once and lets no delivery notice undo a bounce, in any order', async () => {
    const sink = await smtpSink();
    const t = appSendingTo(sink, { env: feedbackEnv });
    await buy(t, { email: 'ada@example.org', pairs: 1 });
    await t.ctx.mail.outbox.drain();
    const receipt = lastEmailTo(t, 'ada@example.org', 'receipt');
    const at = t.clock.now();
    const bounce = {
      id: 'b-1',
      type: 'hard_bounce',
      email: 'ada@example.org',
      messageId: receipt.messageId,
      occurredAt: iso(at + 2000),
    };
    const delivery = {
      id: 'd-1',
      type: 'delivery',
      email: 'ada@example.org',
      messageId: receipt.messageId,
      occurredAt: iso(at + 1000),
    };

    const first = await postGeneric(t, bounce);
    const again = await Promise.all([postGeneric(t, bounce), postGeneric(t, bounce)]);
    const late = await postGeneric(t, delivery); // the delivery notice, arriving after the bounce

    expect(first.body).toEqual({ received: true, stored: 1, duplicates: 0 });
    expect(again.map((r) => r.body)).toEqual([
      { received: true, stored: 0, duplicates: 1 },
      { received: true, stored: 0, duplicates: 1 },
    ]);
    expect(late.status).toBe(200);
    expect(notificationRows(t)).toHaveLength(2);
    expect(supporterFlags(t, 'ada@example.org').isDeliverable).toBe(false);
    expect(lastEmailTo(t, 'ada@example.org', 'receipt').feedback).toBe('hard_bounce');
  });

  it('makes an address undeliverable after the configured number of soft bounces within the window, whatever their order', async () => {
    const sink = await smtpSink();
    const t = appSendingTo(sink, {
      env: { ...feedbackEnv, EMAIL_SOFT_BOUNCE_LIMIT: '3', EMAIL_SOFT_BOUNCE_WINDOW: '7d' },
    });
    await buy(t, { email: 'bo@example.org', pairs: 1 });
    await t.ctx.mail.outbox.drain();
    const start = t.clock.now();
    const soft = (id: string, days: number) =>
      postGeneric(t, { id, type: 'soft_bounce', email: 'bo@example.org', occurredAt: iso(start + days * DAY) });

    // Three soft bounces, but never three within 7 days: still deliverable.
    for (const [id, days] of [
      ['s1', 0],
      ['s2', 5],
      ['s3', 12],
    ] as const)
      expect((await soft(id, days)).status).toBe(200);
    expect(supporterFlags(t, 'bo@example.org').isDeliverable).toBe(true);
    // One that arrives late, dated between them: now 5, 6 and 12 days… and 0, 5, 6 make three within 7.
    await soft('s4', 6);
    expect(supporterFlags(t, 'bo@example.org').isDeliverable).toBe(false);
    expect(notificationRows(t).map((n) => n.effect)).toEqual([
      'soft_counted',
      'soft_counted',
      'soft_counted',
      'undeliverable',
    ]);
  });

  it('stores a bounce for a message the app never sent for staff, and changes nothing', async () => {
    const sink = await smtpSink();
    const t = appSendingTo(sink, { env: feedbackEnv });
    await buy(t, { email: 'ada@example.org', pairs: 1 });
    await t.ctx.mail.outbox.drain();
    const at = iso(t.clock.now());

    const strangers = await postGeneric(t, {
      id: 'x-1',
      type: 'hard_bounce',
      email: 'nobody@example.org',
      occurredAt: at,
    });
    const foreign = await postGeneric(t, {
      id: 'x-2',
      type: 'hard_bounce',
      email: 'ada@example.org',
      messageId: '<never-sent@elsewhere.example>',
      occurredAt: at,
    });

    expect([strangers.status, foreign.status]).toEqual([200, 200]);
    expect(notificationRows(t).map((n) => [n.recipient, n.effect, n.outboxId])).toEqual([
      ['nobody@example.org', 'unmatched', null],
      ['ada@example.org', 'unmatched', null],
    ]);
    expect(supporterFlags(t, 'ada@example.org').isDeliverable).toBe(true);
  });

  it('matches by address and time when the provider dropped the Message-ID', async () => {
    const sink = await smtpSink();
    const t = appSendingTo(sink, { env: feedbackEnv });
    await buy(t, { email: 'ada@example.org', pairs: 1 });
    await t.ctx.mail.outbox.drain();
    const response = await postGeneric(t, {
      id: 'c-1',
      type: 'complaint',
      email: 'ada@example.org',
      occurredAt: iso(t.clock.now() + 60_000),
    });
    expect(response.status).toBe(200);
    expect(notificationRows(t)[0]).toMatchObject({
      effect: 'unsubscribed',
      sendKey: expect.stringMatching(/^receipt:\d{4}-\d{2}$/),
    });
    expect(supporterFlags(t, 'ada@example.org').isSubscribed).toBe(false);
  });
});

describe('the generic endpoint refuses bad input and writes nothing', () => {
  const valid = { id: 'g-1', type: 'hard_bounce', email: 'ada@example.org', occurredAt: '2026-11-02T09:30:00Z' };

  it.each([
    [
      'no signature',
      (t: TestApp) =>
        t.http.post('/webhooks/email/generic').set('content-type', 'application/json').send(JSON.stringify(valid)),
      401,
    ],
    [
      'a wrong signature',
      (t: TestApp) => postGeneric(t, valid, { signature: hmacSignature(JSON.stringify(valid), 'another-secret') }),
      401,
    ],
    [
      'a signature of other bytes',
      (t: TestApp) =>
        postGeneric(t, JSON.stringify(valid), { signature: hmacSignature(JSON.stringify({ ...valid, id: 'g-2' })) }),
      401,
    ],
    ['malformed JSON', (t: TestApp) => postGeneric(t, '{"id": "g-1",'), 400],
    ['an unknown type', (t: TestApp) => postGeneric(t, { ...valid, type: 'bounced' }), 400],
    ['a bad address', (t: TestApp) => postGeneric(t, { ...valid, email: 'not an address' }), 400],
    ['a bad time', (t: TestApp) => postGeneric(t, { ...valid, occurredAt: 'yesterday' }), 400],
    ['an oversized body', (t: TestApp) => postGeneric(t, { ...valid, detail: 'x'.repeat(300_000) }), 413],
  ])('%s', async (_name, send, status) => {
    const t = createTestApp({ env: feedbackEnv });
    const response = await send(t);
    expect(response.status).toBe(status);
    expect(notificationRows(t)).toHaveLength(0);
  });

  it('answers 404 when EMAIL_WEBHOOK_SECRET is not set, and for providers it does not know', async () => {
    const t = createTestApp();
    expect((await postGeneric(t, valid)).status).toBe(404);
    expect((await t.http.post('/webhooks/email/postmark').send('{}')).status).toBe(404);
    expect((await t.http.post('/webhooks/email/ses').send('{}')).status).toBe(404);
    expect((await t.http.post('/webhooks/email/mailchimp').send('{}')).status).toBe(404);
  });
});
