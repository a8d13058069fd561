import { describe, expect, it } from 'vitest';
import { desc } from 'drizzle-orm';
import { auditLog } from '../../src/db/schema/index.js';
import { runMonthlyEmails } from '../../src/email/monthly-run.js';
import type { MailTransport, SendOutcome } from '../../src/email/transport.js';
import { purchase, stripeEvent } from '../helpers/stripe-events.js';
import { staffBrowser } from '../helpers/staff-console.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';
import { TestClock } from '../helpers/test-clock.js';
import { feedbackEnv, iso, lastEmailTo, postGeneric, supporterFlags } from './feedback-kit.js';

const MARCH = Date.parse('2025-03-10T12:00:00Z');
const acceptAll: MailTransport = {
  kind: 'test relay',
  send: async (): Promise<SendOutcome> => ({ status: 'sent', response: '250 2.0.0 queued' }),
  close() {},
};

/** Twenty February buyers, their receipts and February's impact emails, all sent in March. */
async function twentyEmailed(t: TestApp): Promise<string[]> {
  const buyers = Array.from({ length: 20 }, (_, i) => `buyer${i}@example.org`);
  for (const email of buyers) {
    const p = purchase({ email, lines: [{ pairsPerUnit: 1 }] });
    await t.deliver(
      stripeEvent('checkout.session.completed', p.session, {
        createdSeconds: Date.parse('2025-02-14T10:00:00Z') / 1000,
      }),
    );
  }
  await t.settle();
  await runMonthlyEmails({ db: t.ctx.db, mailer: t.ctx.mail.mailer, clock: t.clock }, { period: '2025-02' });
  await t.ctx.mail.outbox.drain();
  return buyers;
}

describe('bounces and complaints in the console', () => {
  it('shows rates per month and per send, warns on the dashboard past the limits, and lists each address’s history', async () => {
    const t = createTestApp({ clock: new TestClock(MARCH), env: feedbackEnv, overrides: { mailTransport: acceptAll } });
    const buyers = await twentyEmailed(t);
    const monthlyOf = (email: string) => lastEmailTo(t, email, 'monthly').messageId;
    const now = iso(t.clock.now());
    // 3 hard bounces and 1 complaint among 40 emails sent in March: 7.5% and 2.5%.
    for (const [i, email] of buyers.slice(0, 3).entries())
      await postGeneric(t, { id: `hb-${i}`, type: 'hard_bounce', email, messageId: monthlyOf(email), occurredAt: now });
    await postGeneric(t, {
      id: 'c-1',
      type: 'complaint',
      email: buyers[5],
      messageId: monthlyOf(buyers[5]!),
      occurredAt: now,
    });
    await postGeneric(t, { id: 'u-1', type: 'hard_bounce', email: 'stranger@example.org', occurredAt: now });
    const browser = await staffBrowser(t);

    const dashboard = (await browser.get('/admin')).text;
    expect(dashboard).toContain('id="rate-warnings"');
    expect(dashboard).toContain(
      'March 2025: bounce rate 7.5% (over 5.0%) and complaint rate 2.5% (over 0.10%) of 40 emails sent.',
    );

    const page = (await browser.get('/admin/deliverability')).text;
    expect(page).toMatch(
      /<td>March 2025<\/td><td class="num">40<\/td><td class="num">3<\/td><td class="num"><strong class="admin-tag warn">7\.5%<\/strong><\/td>/,
    );
    expect(page).toMatch(
      /<td>Monthly run for February 2025<\/td><td class="num">20<\/td><td class="num">3<\/td><td class="num"><strong class="admin-tag warn">15\.0%<\/strong><\/td><td class="num">0<\/td><td class="num">1<\/td>/,
    );
    expect(page).toMatch(/<td>Receipts sent in March 2025<\/td><td class="num">20<\/td><td class="num">0<\/td>/);
    expect((await browser.get('/admin/deliverability?show=unmatched')).text).toContain('stranger@example.org');

    const supporterUrl = `/admin/supporters/${lastEmailTo(t, buyers[0]!, 'monthly').supporterId}`;
    const history = (await browser.get(supporterUrl)).text;
    expect(history).toMatch(/<td>generic<\/td><td>hard bounce<\/td>.*<td>address marked undeliverable<\/td>/);
    expect(history).toContain('id="deliverable-form"');
  });

  it('makes an address deliverable again (audited), after which earlier bounces arriving late no longer count', async () => {
    const t = createTestApp({ clock: new TestClock(MARCH), env: feedbackEnv, overrides: { mailTransport: acceptAll } });
    const [ada] = await twentyEmailed(t);
    const messageId = lastEmailTo(t, ada!, 'monthly').messageId;
    const bouncedAt = t.clock.now();
    await postGeneric(t, { id: 'hb-1', type: 'hard_bounce', email: ada, messageId, occurredAt: iso(bouncedAt) });
    expect(supporterFlags(t, ada!).isDeliverable).toBe(false);
    const browser = await staffBrowser(t);
    const supporterId = lastEmailTo(t, ada!, 'monthly').supporterId!;

    t.clock.advance(60_000);
    const response = await browser.post(`/admin/supporters/${supporterId}/deliverable`, {
      reason: 'buyer says their mailbox is fixed',
    });
    expect(response.status).toBe(303);
    expect(supporterFlags(t, ada!).isDeliverable).toBe(true);
    const audit = t.ctx.db.select().from(auditLog).orderBy(desc(auditLog.id)).get()!;
    expect(audit).toMatchObject({ action: 'supporter.deliverable', subject: `supporter:${supporterId}` });
    expect(audit.after).not.toContain(ada);

    // A second bounce of that same message, dated before the reset and arriving late: recorded, not counted.
    await postGeneric(t, { id: 'hb-2', type: 'hard_bounce', email: ada, messageId, occurredAt: iso(bouncedAt + 1000) });
    expect(supporterFlags(t, ada!).isDeliverable).toBe(true);
    const page = (await browser.get(`/admin/supporters/${supporterId}`)).text;
    expect(page).toContain('occurred before staff made the address deliverable again: not counted');
    expect(page).not.toContain('id="deliverable-form"');
  });

  it('refuses re-enabling without a reason or a CSRF token', async () => {
    const t = createTestApp({ clock: new TestClock(MARCH), env: feedbackEnv, overrides: { mailTransport: acceptAll } });
    const [ada] = await twentyEmailed(t);
    await postGeneric(t, {
      id: 'hb-1',
      type: 'hard_bounce',
      email: ada,
      messageId: lastEmailTo(t, ada!, 'monthly').messageId,
      occurredAt: iso(t.clock.now()),
    });
    const browser = await staffBrowser(t);
    const supporterId = lastEmailTo(t, ada!, 'monthly').supporterId!;
    expect((await browser.post(`/admin/supporters/${supporterId}/deliverable`, { reason: '' })).status).toBe(400);
    expect(
      (
        await browser.agent
          .post(`/admin/supporters/${supporterId}/deliverable`)
          .type('form')
          .send({ reason: 'no token' })
      ).status,
    ).toBe(403);
    expect(supporterFlags(t, ada!).isDeliverable).toBe(false);
  });
});
