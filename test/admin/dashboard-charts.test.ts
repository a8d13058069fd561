import { describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { supporters } from '../../src/db/schema/index.js';
import { auditLedger } from '../../src/ledger/audit-ledger.js';
import { appSendingTo, buy as buyAs, setSupporter, smtpSink, supporterToken } from '../email/mail-test-kit.js';
import { feedbackEnv, lastEmailTo, postGeneric } from '../email-feedback/feedback-kit.js';
import { html } from '../helpers/html.js';
import { chargeRefunded, disputeEvent, purchase, stripeEvent } from '../helpers/stripe-events.js';
import { staffBrowser } from '../helpers/staff-console.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';
import { TestClock } from '../helpers/test-clock.js';

const at = (iso: string) => Date.parse(iso);

async function buy(t: TestApp, pairs: number, whenIso: string) {
  const p = purchase({ lines: [{ pairsPerUnit: pairs }] });
  await t.deliver(stripeEvent('checkout.session.completed', p.session, { createdSeconds: at(whenIso) / 1000 }));
  await t.settle();
  return p;
}

const seconds = (iso: string) => Math.floor(at(iso) / 1000);
const WEEKLY_ROWS = '[aria-labelledby=weekly-sales-caption] tbody tr';
const EMAIL_ROWS = '[aria-labelledby=email-activity-caption] tbody tr';

describe('the dashboard charts', () => {
  it('draws donations owed, paid and outstanding month by month (a year at most), with every figure in a table', async () => {
    const t = createTestApp({
      clock: new TestClock(at('2025-03-10T12:00:00Z')),
      env: { DONATION_PER_PAIR: 'GBP:100' },
    });
    await buy(t, 3, '2025-01-10T10:00:00Z');
    await buy(t, 2, '2025-03-02T10:00:00Z');
    const browser = await staffBrowser(t);
    await browser.post('/admin/donations', {
      paidOn: '2025-02-08',
      amount: '2.50',
      currency: 'GBP',
      reference: 'BACS 1',
    });

    const doc = html((await browser.get('/admin')).text);
    expect(doc.text('#donations-GBP-caption')).toBe('GBP donations by month');
    const rows = doc.rows('[aria-labelledby=donations-GBP-caption] tbody tr');
    // From the first month with an entry to this one.
    expect(rows).toEqual([
      ['January 2025', '£3.00', '£0.00', '£3.00'],
      ['February 2025', '£0.00', '£2.50', '£0.50'],
      ['March 2025', '£2.00', '£0.00', '£2.50'],
    ]);
    expect(doc.text('#donations-GBP-chart figcaption')).toContain(
      'GBP donations over the last 3 months: £5.00 owed and £2.50 paid; £2.50 outstanding at the end of March 2025.',
    );
    // Two bars a month, and the outstanding line through a point a month, in an SVG hidden from screen readers.
    expect(doc.selectAll('#donations-GBP-chart svg rect')).toHaveLength(6);
    expect(doc.selectAll('#donations-GBP-chart svg circle')).toHaveLength(3);
    expect(doc.select('#donations-GBP-chart svg').attrs['aria-hidden']).toBe('true');
  });

  it('draws the latest twelve months when there are more', async () => {
    const t = createTestApp({
      clock: new TestClock(at('2025-03-10T12:00:00Z')),
      env: { DONATION_PER_PAIR: 'GBP:100' },
    });
    await buy(t, 1, '2023-11-10T10:00:00Z');
    const browser = await staffBrowser(t);
    const rows = html((await browser.get('/admin')).text).rows('[aria-labelledby=donations-GBP-caption] tbody tr');
    expect(rows.map((row) => row[0])).toEqual([
      'April 2024',
      'May 2024',
      'June 2024',
      'July 2024',
      'August 2024',
      'September 2024',
      'October 2024',
      'November 2024',
      'December 2024',
      'January 2025',
      'February 2025',
      'March 2025',
    ]);
    // The sale before the window still counts in what is outstanding.
    expect(rows.every((row) => row[3] === '£1.00')).toBe(true);
  });

  it('draws nothing on an empty database, and says so by leaving the section out', async () => {
    const t = createTestApp();
    const browser = await staffBrowser(t);
    const page = (await browser.get('/admin')).text;
    expect(page).not.toContain('Donations to the charity, month by month');
  });
});

describe('the weekly sales chart', () => {
  /** Sales, a refund and a lost dispute in different weeks, two of them either side of Monday 00:00 UTC. */
  async function aFewWeeks(t: TestApp) {
    await buy(t, 1, '2024-03-10T10:00:00Z'); // a Sunday: the week before the window opens
    const disputed = await buy(t, 3, '2025-02-12T10:00:00Z');
    await t.deliver(
      disputeEvent(
        'charge.dispute.created',
        disputed,
        { id: 'dp_w', status: 'needs_response' },
        seconds('2025-02-13T10:00:00Z'),
      ),
    );
    await t.deliver(
      disputeEvent('charge.dispute.closed', disputed, { id: 'dp_w', status: 'lost' }, seconds('2025-02-20T10:00:00Z')),
    );
    const refunded = await buy(t, 4, '2025-03-09T23:59:59Z'); // the last second of the week of 3 March
    await buy(t, 2, '2025-03-10T00:00:00Z'); // the first of the next
    await t.deliver(chargeRefunded(refunded, refunded.amount, seconds('2025-03-10T09:00:00Z')));
    await t.settle();
  }

  it('shows pairs sold, refunded and reversed and trap-weeks funded in each of the last 53 weeks, from the sums the trigger keeps', async () => {
    const t = createTestApp({ clock: new TestClock(at('2025-03-10T12:00:00Z')) });
    await aFewWeeks(t);
    expect(auditLedger(t.ctx.db).weekSumDrift).toEqual([]); // the kept week sums are the entries' own

    const doc = html((await (await staffBrowser(t)).get('/admin')).text);
    const rows = doc.rows(WEEKLY_ROWS);
    // A Monday: this week and the 52 before it, the oldest starting the day after this date a year ago.
    expect(rows).toHaveLength(53);
    expect(rows[0]).toEqual(['11 March 2024', '0', '0', '0', '0', '0']);
    expect(rows.filter((row) => row.slice(1).some((cell) => cell !== '0'))).toEqual([
      ['10 February 2025', '3', '0', '0', '3', '3'],
      ['17 February 2025', '0', '0', '3', '-3', '-3'],
      ['3 March 2025', '4', '0', '0', '4', '4'],
      ['10 March 2025', '2', '4', '0', '-2', '-2'],
    ]);
    expect(doc.text('#weekly-sales-chart figcaption')).toContain(
      'Over the last 53 weeks (from 11 March 2024): 9 pairs sold, 4 refunded and 3 reversed by disputes; ' +
        '2 trap-weeks funded, net. The busiest week began 3 March 2025, with 4 sold.',
    );
    // Three bars a week (sold up; refunded and reversed down), in an SVG hidden from screen readers.
    expect(doc.selectAll('#weekly-sales-chart svg rect')).toHaveLength(53 * 3);
    expect(doc.select('#weekly-sales-chart svg').attrs['aria-hidden']).toBe('true');
    const bar = (kind: string, week: number) => doc.selectAll(`#weekly-sales-chart .chart-bar-${kind}`)[week]!.attrs;
    expect(Number(bar('sold', 51).height)).toBeGreaterThan(Number(bar('sold', 52).height)); // 4 pairs over 2
    expect(Number(bar('refunded', 52).y)).toBeGreaterThanOrEqual(
      Number(bar('sold', 52).y) + Number(bar('sold', 52).height),
    );
  });

  it('has 52 weeks when a year ago falls so that only 52 Mondays came since', async () => {
    const t = createTestApp({ clock: new TestClock(at('2025-03-09T12:00:00Z')) }); // a Sunday
    await buy(t, 2, '2025-03-03T00:00:00Z');
    const rows = html((await (await staffBrowser(t)).get('/admin')).text).rows(WEEKLY_ROWS);
    expect(rows).toHaveLength(52);
    expect([rows[0]![0], rows.at(-1)]).toEqual(['11 March 2024', ['3 March 2025', '2', '0', '0', '2', '2']]);
  });

  it('says so when nothing was sold all year, and so does the email chart when no email went out', async () => {
    const t = createTestApp({ clock: new TestClock(at('2025-03-10T12:00:00Z')) });
    await buy(t, 1, '2024-02-10T10:00:00Z'); // more than a year ago
    const doc = html((await (await staffBrowser(t)).get('/admin')).text);
    expect(doc.text('#weekly-sales-empty')).toBe('No pairs were sold, refunded or reversed in the last year.');
    expect(doc.selectAll('#weekly-sales-chart')).toHaveLength(0);
    expect(doc.text('#email-activity-empty')).toBe('No email was sent in the last year, and nobody unsubscribed.');
  });
});

describe('the email chart', () => {
  it('counts emails sent, failed, bounced and unsubscribed in the month each happened', async () => {
    const sink = await smtpSink();
    const t = appSendingTo(sink, { env: feedbackEnv, clock: new TestClock(at('2025-02-10T12:00:00Z')) });
    sink.rcptPolicy = (address) => (address === 'cara@example.org' ? { code: 550, message: 'no such mailbox' } : null);
    // February: three receipts, one refused by the relay; one bounces later that month.
    for (const email of ['ada@example.org', 'bob@example.org', 'cara@example.org'])
      await buyAs(t, { email, pairs: 1, paidAt: t.clock.now() });
    await t.ctx.mail.outbox.drain();
    expect(sink.received).toHaveLength(2);
    // A signed notice about the receipt sent to `email`.
    const notice = (type: string, email: string, occurredAt: string) =>
      postGeneric(t, {
        id: `${type}-${email}`,
        type,
        email,
        messageId: lastEmailTo(t, email, 'receipt').messageId,
        occurredAt,
      }).expect(200);
    await notice('hard_bounce', 'bob@example.org', '2025-02-12T08:00:00Z');

    // March: two more receipts; Ada complains (which unsubscribes her), Dan unsubscribes by his link.
    t.clock.advance(at('2025-03-10T12:00:00Z') - t.clock.now());
    for (const email of ['dan@example.org', 'eve@example.org'])
      await buyAs(t, { email, pairs: 1, paidAt: t.clock.now() });
    await t.ctx.mail.outbox.drain();
    await notice('complaint', 'ada@example.org', '2025-03-05T08:00:00Z');
    await t.http.post(`/unsubscribe/${supporterToken(t, 'dan@example.org')}`).expect(200);
    // Eve unsubscribed before unsubscribes were dated: no month to count her in.
    setSupporter(t, 'eve@example.org', { isSubscribed: false });

    const unsubscribedAt = (email: string) =>
      t.ctx.db.select().from(supporters).where(eq(supporters.email, email)).get()!.unsubscribedAt;
    expect([unsubscribedAt('ada@example.org'), unsubscribedAt('dan@example.org')]).toEqual([
      at('2025-03-05T08:00:00Z'),
      at('2025-03-10T12:00:00Z'),
    ]);

    const browser = await staffBrowser(t);
    const doc = html((await browser.get('/admin')).text);
    const rows = doc.rows(EMAIL_ROWS);
    expect(rows).toHaveLength(12);
    expect(rows[0]).toEqual(['April 2024', '0', '0', '0', '0']);
    expect(rows.slice(-2)).toEqual([
      ['February 2025', '2', '1', '1', '0'],
      ['March 2025', '2', '0', '0', '2'],
    ]);
    expect(doc.text('#email-chart figcaption')).toContain(
      'Emails over the last 12 months: 4 sent, 1 failed, 1 bounced; 2 supporters unsubscribed.',
    );
    expect(doc.text('#undated-unsubscribes')).toBe(
      '1 supporter unsubscribed before unsubscribes were dated, and is in no month.',
    );
    expect(doc.selectAll('#email-chart svg')).toHaveLength(2);
    expect(doc.selectAll('#email-chart .chart-bar-sent')).toHaveLength(12);
    expect(doc.selectAll('#email-chart .chart-bar-bounced')).toHaveLength(12);

    // Subscribing again takes Dan out of March's count.
    await t.http
      .post(`/unsubscribe/${supporterToken(t, 'dan@example.org')}/resubscribe`)
      .set('origin', 'http://socks.test');
    const again = html((await browser.get('/admin')).text).rows(EMAIL_ROWS);
    expect(again.at(-1)).toEqual(['March 2025', '2', '0', '0', '1']);
  });
});
