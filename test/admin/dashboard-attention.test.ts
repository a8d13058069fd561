import { describe, expect, it } from 'vitest';
import { html, textOf } from '../helpers/html.js';
import { disputeEvent, purchase, stripeEvent } from '../helpers/stripe-events.js';
import { staffBrowser, type StaffBrowser } from '../helpers/staff-console.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';
import { TestClock } from '../helpers/test-clock.js';

const at = (iso: string) => Date.parse(iso);
const seconds = (iso: string) => Math.floor(at(iso) / 1000);

async function buy(t: TestApp, whenIso: string, opts: Parameters<typeof purchase>[0] = {}) {
  const p = purchase({ lines: [{ pairsPerUnit: 1 }], ...opts });
  await t.deliver(stripeEvent('checkout.session.completed', p.session, { createdSeconds: seconds(whenIso) }));
  await t.settle();
  return p;
}

/** The dashboard's "needs attention" links, as [text, href]. */
async function attentionLinks(browser: StaffBrowser): Promise<[string, string][]> {
  const doc = html((await browser.get('/admin')).text);
  return doc.selectAll('#attention a').map((a) => [textOf(a), a.attrs.href!]);
}

describe('what needs attention on the dashboard', () => {
  it('lists months that ended and are not closed, linked to the one to close next, until they are closed', async () => {
    const t = createTestApp({ clock: new TestClock(at('2025-03-10T12:00:00Z')) });
    await buy(t, '2025-01-10T10:00:00Z');
    const browser = await staffBrowser(t);

    expect(await attentionLinks(browser)).toEqual([
      ['2 months have ended and are not closed: close January 2025 first', '/admin/reconciliation/2025-01'],
    ]);
    expect((await browser.post('/admin/reconciliation/2025-01/close')).status).toBe(303);
    expect(await attentionLinks(browser)).toEqual([
      ['1 month has ended and is not closed: close February 2025', '/admin/reconciliation/2025-02'],
    ]);
    expect((await browser.post('/admin/reconciliation/2025-02/close')).status).toBe(303);
    // March has not ended: nothing to close.
    expect(await attentionLinks(browser)).toEqual([]);
    expect(html((await browser.get('/admin')).text).text('p#attention')).toBe('Nothing needs attention.');
  });

  it('flags the outbox once an email has waited longer than READY_OUTBOX_STUCK_AFTER, as /readyz does', async () => {
    const t = createTestApp({
      clock: new TestClock(at('2025-03-10T12:00:00Z')),
      env: { READY_OUTBOX_STUCK_AFTER: '20m' },
    });
    await buy(t, '2025-03-10T11:00:00Z', { email: 'ada@example.org' }); // its receipt is queued, and nothing sends it
    const browser = await staffBrowser(t);
    const stuck = (links: [string, string][]) => links.filter(([text]) => text.includes('outbox'));

    t.clock.advance(19 * 60_000);
    expect(stuck(await attentionLinks(browser))).toEqual([]);
    t.clock.advance(2 * 60_000);
    expect(stuck(await attentionLinks(browser))).toEqual([
      [
        '1 email waits to be sent and the outbox is stuck: the oldest has been due for 21 minutes; check the mail relay',
        '/admin/emails?state=queued',
      ],
    ]);
    expect((await t.http.get('/readyz')).body.reasons).toEqual([
      expect.stringContaining('the outbox is stuck: an email has been due for 21 minutes'),
    ]);

    await t.ctx.mail.outbox.drain(); // sent (to the files outbox): no longer stuck
    expect(stuck(await attentionLinks(browser))).toEqual([]);
  });

  it('links open disputes to the order of the oldest one', async () => {
    const t = createTestApp({ clock: new TestClock(at('2025-03-10T12:00:00Z')) });
    const first = await buy(t, '2025-03-02T10:00:00Z');
    const second = await buy(t, '2025-03-03T10:00:00Z');
    await t.deliver(
      disputeEvent(
        'charge.dispute.created',
        second,
        { id: 'dp_later', status: 'needs_response' },
        seconds('2025-03-06T10:00:00Z'),
      ),
    );
    await t.settle();
    const orderId = (p: typeof first) =>
      t.ctx.database.sqlite.prepare('select id from orders where payment_intent_id = ?').pluck().get(p.paymentIntentId);
    const browser = await staffBrowser(t);
    const disputes = async () => (await attentionLinks(browser)).filter(([text]) => text.includes('dispute'));

    expect(await disputes()).toEqual([['1 open dispute', `/admin/orders/${orderId(second)}`]]);
    await t.deliver(
      disputeEvent(
        'charge.dispute.created',
        first,
        { id: 'dp_earlier', status: 'needs_response' },
        seconds('2025-03-05T10:00:00Z'),
      ),
    );
    await t.settle();
    expect(await disputes()).toEqual([['2 open disputes: this opens the oldest', `/admin/orders/${orderId(first)}`]]);
    const order = (await browser.get(`/admin/orders/${orderId(first)}`)).text;
    expect(order).toContain('dp_earlier');
  });
});
