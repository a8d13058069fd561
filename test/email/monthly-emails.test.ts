import { describe, expect, it } from 'vitest';
import { setFieldNote } from '../../src/email/field-notes.queries.js';
import { monthJustEnded, runMonthlyEmails, type MonthlyRunOptions } from '../../src/email/monthly-run.js';
import { periodEnd, periodStart, previousPeriod } from '../../src/lib/months.js';
import { chargeRefunded, purchase, stripeEvent } from '../helpers/stripe-events.js';
import type { TestApp } from '../helpers/test-app.js';
import {
  appSendingTo,
  buy,
  htmlLinks,
  outboxRows,
  rawHeaderLines,
  receivedWith,
  setSupporter,
  smtpSink,
  supporterToken,
} from './mail-test-kit.js';

const DAY = 86_400_000;
const MONTHLY = /^Your leopard impact in /;

/** The month just ended (the default period), and instants before, in and after it. */
function calendar(t: TestApp) {
  const period = monthJustEnded(t.clock.now());
  return {
    period,
    label: new Intl.DateTimeFormat('en-GB', { month: 'long', year: 'numeric', timeZone: 'UTC' }).format(
      periodStart(period),
    ),
    monthBefore: periodStart(previousPeriod(period)) + 5 * DAY,
    inMonth: periodStart(period) + 3 * DAY,
    afterMonth: Math.min(periodEnd(period) + 1000, t.clock.now()),
  };
}

function run(t: TestApp, options: Partial<MonthlyRunOptions> = {}) {
  return runMonthlyEmails(
    { db: t.ctx.db, mailer: t.ctx.mail.mailer, clock: t.clock },
    { period: calendar(t).period, ...options },
  );
}

describe('the monthly impact email', () => {
  it("tells each supporter the month's trap-weeks, the total, the census and the field note, with working links", async () => {
    const sink = await smtpSink();
    const t = appSendingTo(sink);
    const { period, label, monthBefore, inMonth } = calendar(t);
    await buy(t, { email: 'ada@example.org', name: 'Ada', pairs: 2, paidAt: monthBefore });
    await buy(t, { email: 'ada@example.org', name: 'Ada', pairs: 3, paidAt: inMonth });
    setFieldNote(
      t.ctx.db,
      period,
      'Camera 14 caught a mother and two cubs <b>on the ridge</b> & a badger.',
      t.clock.now(),
    );

    await run(t);
    await t.ctx.mail.outbox.drain();

    const [mail, ...others] = receivedWith(sink, MONTHLY);
    expect(others).toHaveLength(0);
    const token = supporterToken(t, 'ada@example.org');
    const impactUrl = `http://socks.test/impact/${token}`;
    const unsubscribeUrl = `http://socks.test/unsubscribe/${token}`;
    expect(mail!.rcptTo).toEqual(['ada@example.org']);
    expect(mail!.parsed.subject).toBe(`Your leopard impact in ${label}`);
    const text = mail!.parsed.text!;
    expect(text).toContain(`In ${label} your socks funded 3 camera-trap-weeks, and 5 in all so far.`);
    expect(text).toContain(
      'On 1 January 2024 the camera traps counted 103 Amur leopards: 84 adults, 7 adolescents and 12 cubs. That is 73 more than the 30 counted on 5 April 2012.',
    );
    expect(text).toContain('FROM THE FIELD\nCamera 14 caught a mother and two cubs <b>on the ridge</b> & a badger.');
    expect(text).toContain(`See your impact: ${impactUrl}`);
    expect(text).toContain(`Unsubscribe: ${unsubscribeUrl}`);
    const html = String(mail!.parsed.html);
    expect(html).toContain(
      `In ${label} your socks funded <strong>3 camera-trap-weeks</strong>, and <strong>5</strong> in all so far.`,
    );
    expect(html).toContain(
      'counted <strong>103 Amur leopards</strong>: 84 adults, 7 adolescents and 12 cubs. That is 73 more than the 30 counted on 5 April 2012.',
    );
    expect(html).toContain('Camera 14 caught a mother and two cubs &lt;b&gt;on the ridge&lt;/b&gt; &amp; a badger.');
    expect(htmlLinks(mail!)).toEqual([impactUrl, impactUrl, unsubscribeUrl]);
    const headers = rawHeaderLines(mail!.raw);
    expect(headers).toContain(`List-Unsubscribe: <${unsubscribeUrl}>`);
    expect(headers).toContain('List-Unsubscribe-Post: List-Unsubscribe=One-Click');

    const impactPage = await t.http.get(new URL(impactUrl).pathname);
    expect(impactPage.status).toBe(200);
    expect(impactPage.text).toContain('a***@example.org');
    const confirmPage = await t.http.get(new URL(unsubscribeUrl).pathname);
    expect(confirmPage.status).toBe(200);
    expect(confirmPage.text).toContain(`<form method="post" action="/unsubscribe/${token}">`);
    // What a mailbox provider sends (RFC 8058): a bare POST from its own servers.
    const oneClick = await t.http
      .post(new URL(unsubscribeUrl).pathname)
      .set('Origin', 'https://mail.example.com')
      .type('form')
      .send('List-Unsubscribe=One-Click');
    expect(oneClick.status).toBe(200);
    expect(oneClick.headers['set-cookie']).toBeUndefined();
    expect(oneClick.text).toContain('You are unsubscribed');
    expect(outboxRows(t, 'monthly')).toMatchObject([{ idempotencyKey: `monthly:${period}:1`, state: 'sent' }]);
  });

  it('goes only to subscribed, deliverable supporters with impact, and counts who was skipped and why', async () => {
    const sink = await smtpSink();
    const t = appSendingTo(sink);
    const { label, monthBefore, inMonth, afterMonth } = calendar(t);
    await buy(t, { email: 'ada@example.org', pairs: 1, paidAt: inMonth });
    await buy(t, { email: 'fay@example.org', pairs: 2, paidAt: monthBefore }); // nothing new this month, but impact
    await buy(t, { email: 'cal@example.org', pairs: 1, paidAt: inMonth });
    await buy(t, { email: 'dan@example.org', pairs: 1, paidAt: inMonth });
    await buy(t, { email: 'eve@example.org', pairs: 4, paidAt: afterMonth }); // first pair after the month ended
    const refunded = purchase({ email: 'bea@example.org', lines: [{ pairsPerUnit: 2 }] });
    await t.deliver(
      stripeEvent('checkout.session.completed', refunded.session, { createdSeconds: Math.floor(inMonth / 1000) }),
    );
    await t.deliver(chargeRefunded(refunded, refunded.amount));
    await t.settle();
    setSupporter(t, 'cal@example.org', { isSubscribed: false });
    setSupporter(t, 'dan@example.org', { isDeliverable: false });

    const summary = await run(t);
    await t.ctx.mail.outbox.drain();

    expect(summary).toMatchObject({
      supporters: 6,
      queued: 2,
      skipped: { alreadyQueued: 0, unsubscribed: 1, undeliverable: 1, noImpact: 2 },
    });
    const monthly = receivedWith(sink, MONTHLY);
    expect(monthly.map((m) => m.rcptTo[0]).sort()).toEqual(['ada@example.org', 'fay@example.org']);
    expect(monthly.find((m) => m.rcptTo[0] === 'fay@example.org')!.parsed.text).toContain(
      'Your socks have funded 2 camera-trap-weeks so far: each one a week of a camera watching a leopard trail',
    );
    expect(monthly.find((m) => m.rcptTo[0] === 'ada@example.org')!.parsed.text).toContain(
      `In ${label} your socks funded 1 camera-trap-week, and 1 in all so far.`,
    );
    // Unsubscribing stops the monthly email only: Cal's thank-you for the purchase went.
    expect(receivedWith(sink, /^Thank you/).map((m) => m.rcptTo[0])).toContain('cal@example.org');
  });

  it('queues nothing new when run a second time for the same month', async () => {
    const sink = await smtpSink();
    const t = appSendingTo(sink);
    const { inMonth } = calendar(t);
    for (const email of ['ada@example.org', 'bob@example.org', 'cy@example.org'])
      await buy(t, { email, pairs: 1, paidAt: inMonth });

    const first = await run(t);
    await t.ctx.mail.outbox.drain();
    const second = await run(t);
    await t.ctx.mail.outbox.drain();

    expect(first).toMatchObject({ queued: 3, skipped: { alreadyQueued: 0 } });
    expect(second).toMatchObject({ queued: 0, skipped: { alreadyQueued: 3 } });
    expect(
      receivedWith(sink, MONTHLY)
        .map((m) => m.rcptTo[0])
        .sort(),
    ).toEqual(['ada@example.org', 'bob@example.org', 'cy@example.org']);
  });

  it('after a run that stopped halfway, a new run queues only the rest', async () => {
    const sink = await smtpSink();
    const t = appSendingTo(sink);
    const { inMonth } = calendar(t);
    const emails = ['a@example.org', 'b@example.org', 'c@example.org', 'd@example.org', 'e@example.org'];
    for (const email of emails) await buy(t, { email, pairs: 1, paidAt: inMonth });

    const crashed = run(t, {
      pageSize: 2,
      onProgress: () => {
        throw new Error('killed');
      },
    });
    await expect(crashed).rejects.toThrow('killed');
    expect(outboxRows(t, 'monthly')).toHaveLength(2);
    const resumed = await run(t, { pageSize: 2 });
    await t.ctx.mail.outbox.drain();

    expect(resumed).toMatchObject({ queued: 3, skipped: { alreadyQueued: 2 } });
    expect(
      receivedWith(sink, MONTHLY)
        .map((m) => m.rcptTo[0])
        .sort(),
    ).toEqual(emails);
  });

  it('is not sent to someone who unsubscribed after it was queued', async () => {
    const sink = await smtpSink();
    const t = appSendingTo(sink);
    await buy(t, { email: 'ada@example.org', pairs: 1, paidAt: calendar(t).inMonth });
    await t.ctx.mail.outbox.drain(); // the thank-you

    await run(t);
    await t.http.post(`/unsubscribe/${supporterToken(t, 'ada@example.org')}`);
    await t.ctx.mail.outbox.drain();

    expect(receivedWith(sink, MONTHLY)).toHaveLength(0);
    expect(outboxRows(t, 'monthly')).toMatchObject([
      { state: 'dead', lastError: 'not sent: the supporter unsubscribed after it was queued' },
    ]);
  });

  it('keeps a name with CR/LF and HTML out of the headers and escapes it in HTML', async () => {
    const sink = await smtpSink();
    const t = appSendingTo(sink);
    const name = 'Eve\r\nBcc: mallory@example.org\r\n<script>alert("x")</script>';
    await buy(t, { email: 'eve@example.org', name, pairs: 1, paidAt: calendar(t).inMonth });

    await run(t);
    await t.ctx.mail.outbox.drain();

    expect(sink.received).toHaveLength(2); // the thank-you and the monthly email, both to Eve alone
    for (const mail of sink.received) {
      expect(mail.rcptTo).toEqual(['eve@example.org']);
      expect(mail.parsed.to).toMatchObject({ value: [{ address: 'eve@example.org' }] });
      expect((mail.parsed.to as { value: unknown[] }).value).toHaveLength(1);
      expect(mail.parsed.bcc).toBeUndefined();
      expect(rawHeaderLines(mail.raw).filter((line) => /^(bcc|cc):/i.test(line))).toEqual([]);
      expect(mail.parsed.text).toContain('Hello Eve Bcc: mallory@example.org <script>alert("x")</script>,');
      expect(String(mail.parsed.html)).toContain(
        'Hello Eve Bcc: mallory@example.org &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;,',
      );
      expect(String(mail.parsed.html)).not.toContain('<script');
    }
  });

  it('changes nothing on a dry run, and shows the counts and one rendered email', async () => {
    const t = appSendingTo(await smtpSink());
    const { label, inMonth } = calendar(t);
    await buy(t, { email: 'ada@example.org', pairs: 2, paidAt: inMonth });
    await buy(t, { email: 'bob@example.org', pairs: 1, paidAt: inMonth });
    const before = outboxRows(t).length;

    const summary = await run(t, { isDryRun: true });

    expect(outboxRows(t)).toHaveLength(before);
    expect(summary).toMatchObject({
      isDryRun: true,
      supporters: 2,
      queued: 2,
      sample: { to: 'ada@example.org', subject: `Your leopard impact in ${label}` },
    });
    expect(summary.sample!.text).toContain(`In ${label} your socks funded 2 camera-trap-weeks, and 2 in all so far.`);
  });

  it('refuses a month that has not ended yet', async () => {
    const t = appSendingTo(await smtpSink());
    const thisMonth = new Date(t.clock.now()).toISOString().slice(0, 7);
    await expect(run(t, { period: thisMonth })).rejects.toThrow(`${thisMonth} has not ended yet`);
    await expect(run(t, { period: '2026-13' })).rejects.toThrow('The month must look like 2026-10');
  });
});
