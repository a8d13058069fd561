import { describe, expect, it } from 'vitest';
import { auditLog, orders } from '../../src/db/schema/index.js';
import { runMonthlyEmails } from '../../src/email/monthly-run.js';
import type { MailTransport, OutgoingMessage, SendOutcome } from '../../src/email/transport.js';
import { purchase, stripeEvent } from '../helpers/stripe-events.js';
import { staffBrowser } from '../helpers/staff-console.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';
import { TestClock } from '../helpers/test-clock.js';

const MARCH = Date.parse('2025-03-10T12:00:00Z');

/** A relay that accepts every message except those to one address, which it rejects for good. */
function relayRejecting(address: string): MailTransport & { sent: OutgoingMessage[] } {
  const sent: OutgoingMessage[] = [];
  return {
    kind: 'test relay',
    sent,
    async send(message): Promise<SendOutcome> {
      if (message.to.address === address)
        return { status: 'rejected', error: '550 5.1.1 no such mailbox', isRecipientRejected: true };
      sent.push(message);
      return { status: 'sent', response: '250 2.0.0 queued' };
    },
    close() {},
  };
}

/** Three February shoppers, their receipts and February's impact emails, all through the real outbox. */
async function februaryEmailed(t: TestApp) {
  for (const email of ['ada@example.org', 'bob@example.org', 'cara@example.org']) {
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
}

describe('emails in the console', () => {
  it('shows each monthly run by state, the outbox, and what needs attention', async () => {
    const t = createTestApp({
      clock: new TestClock(MARCH),
      overrides: { mailTransport: relayRejecting('cara@example.org') },
    });
    await februaryEmailed(t);
    const browser = await staffBrowser(t);
    const page = (await browser.get('/admin/emails')).text;
    expect(page).toMatch(
      /<td>2025-02<\/td><td class="num">0<\/td><td class="num">0<\/td><td class="num">2<\/td>\s*<td class="num">0<\/td><td class="num">1<\/td><td class="num">3<\/td>/,
    );
    expect(page).toContain('sent: 4');
    expect(page).toContain('dead: 2');
    const dashboard = (await browser.get('/admin')).text;
    expect(dashboard).toContain('<strong>2</strong> emails could not be sent (given up)');
  });

  it('shows a message with its text, and its HTML apart under a sandbox', async () => {
    const t = createTestApp({
      clock: new TestClock(MARCH),
      overrides: { mailTransport: relayRejecting('cara@example.org') },
    });
    await februaryEmailed(t);
    const browser = await staffBrowser(t);
    const id = t.ctx.database.sqlite
      .prepare(
        "select id from email_outbox where idempotency_key like 'monthly:2025-02:%' and recipient = 'cara@example.org'",
      )
      .pluck()
      .get();
    const page = (await browser.get(`/admin/emails/${id}`)).text;
    expect(page).toContain('<dd id="email-state">dead</dd>');
    expect(page).toContain('550 5.1.1 no such mailbox');
    expect(page).toContain('List-Unsubscribe');
    const html = await browser.get(`/admin/emails/${id}/html`);
    expect(html.headers['content-security-policy']).toContain('sandbox');
    expect(html.headers['content-security-policy']).not.toContain('script');
    expect(html.text).toMatch(/^<!doctype html>/i);
  });

  it('lists the receipt on its order’s page', async () => {
    const t = createTestApp({
      clock: new TestClock(MARCH),
      overrides: { mailTransport: relayRejecting('nobody@example.org') },
    });
    await februaryEmailed(t);
    const browser = await staffBrowser(t);
    const order = t.ctx.db.select().from(orders).get()!;
    const page = (await browser.get(`/admin/orders/${order.id}`)).text;
    const emails = page.slice(page.indexOf('id="order-emails"'));
    expect(emails).toContain('Thank you: your socks keep a camera trap watching');
    expect(emails).toContain('<td>sent</td>');
  });

  it('sets a month’s field note, audited, and previews that month’s email with it', async () => {
    const t = createTestApp({ clock: new TestClock(MARCH) });
    const browser = await staffBrowser(t);
    expect((await browser.get('/admin/field-notes')).headers.location).toBe('/admin/field-notes/2025-02');
    const note = 'A mother with two cubs walked past trap 17 <twice> this month.';
    expect((await browser.post('/admin/field-notes/2025-02', { body: note })).status).toBe(303);
    const page = (await browser.get('/admin/field-notes/2025-02')).text;
    expect(page).toContain('A mother with two cubs walked past trap 17 &lt;twice&gt; this month.</textarea>');
    const preview = page.slice(page.indexOf('id="preview-text"'));
    expect(preview).toContain('A mother with two cubs walked past trap 17 &lt;twice&gt; this month.');
    expect(page).toContain('Your leopard impact in February 2025');
    const html = await browser.get('/admin/field-notes/2025-02/preview.html');
    expect(html.text).toContain('A mother with two cubs walked past trap 17 &lt;twice&gt; this month.');
    const audit = t.ctx.db
      .select()
      .from(auditLog)
      .all()
      .filter((a) => a.action === 'field_note.set');
    expect(audit.map((a) => [a.subject, a.before, JSON.parse(a.after!).body])).toEqual([
      ['field_note:2025-02', null, note],
    ]);
  });
});
