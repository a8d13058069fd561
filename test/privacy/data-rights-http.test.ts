import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { auditLog } from '../../src/db/schema/index.js';
import { createLogger } from '../../src/lib/logger.js';
import { rotateSupporterToken } from '../../src/supporters/supporters.queries.js';
import { staffBrowser } from '../helpers/staff-console.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';
import { TestClock } from '../helpers/test-clock.js';
import { chargeRefunded } from '../helpers/stripe-events.js';
import { ADA, buyAt, snapshotDatabase, supporterOf } from './privacy-kit.js';

const OCTOBER_15 = Date.UTC(2026, 9, 15, 10);
const UNKNOWN_LINK = { error: { code: 'not_found', message: 'No supporter has this link.' } };
const NOTHING_HERE = { error: { code: 'not_found', message: 'There is nothing at this address.' } };

/** Ada with two orders (one partly refunded), her link replaced once, her camera-weeks numbered. */
async function adaWithHistory(t: TestApp) {
  await buyAt(t, { ...ADA, pairs: 2 });
  const second = await buyAt(t, { ...ADA, pairs: 1, quantity: 2 });
  await t.deliver(chargeRefunded(second, 1200, Math.floor(t.clock.now() / 1000)));
  await t.settle();
  await t.ctx.allocation.drain();
  const retiredToken = supporterOf(t, ADA.email).token;
  rotateSupporterToken(t.ctx.db, supporterOf(t, ADA.email), t.clock.now());
  return { ada: supporterOf(t, ADA.email), retiredToken };
}

/** The same private link under every route it opens. */
function privateRoutes(token: string) {
  const at = encodeURIComponent(token);
  return [
    ['get', `/impact/${at}`],
    ['get', `/impact/${at}/weeks`],
    ['get', `/api/supporters/${at}`],
    ['get', `/api/supporters/${at}/export`],
    ['get', `/unsubscribe/${at}`],
    ['post', `/unsubscribe/${at}`],
    ['post', `/impact/${at}/monthly-email`],
    ['post', `/impact/${at}/new-link`],
  ] as const;
}

describe("a buyer's own data, from their page", () => {
  it('"Download my data" gives a file with everything held about them, and works without script', async () => {
    const t = createTestApp({ clock: new TestClock(OCTOBER_15) });
    const { ada } = await adaWithHistory(t);

    const page = await t.http.get(`/impact/${ada.token}`);
    const href = /<a href="([^"]+)" download>Download my data<\/a>/.exec(page.text)?.[1];
    expect(href).toBe(`/api/supporters/${ada.token}/export`);
    const res = await t.http.get(href!);

    expect(res.status).toBe(200);
    expect(res.headers).toMatchObject({
      'content-type': 'application/json; charset=utf-8',
      'content-disposition': 'attachment; filename="socks-data-2026-10-15.json"',
      'cache-control': 'no-store',
      'referrer-policy': 'no-referrer',
    });
    const data = JSON.parse(res.text);
    expect(Object.keys(data)).toEqual([
      'generatedAt',
      'about',
      'supporter',
      'settings',
      'impact',
      'orders',
      'ledgerEntries',
      'cameraWeeks',
      'emails',
      'stripeRecords',
      'mailProviderNotices',
    ]);
    expect(data).toMatchObject({
      generatedAt: new Date(OCTOBER_15).toISOString(),
      supporter: { id: ada.id, email: ADA.email, name: ADA.name, erasedAt: null },
      settings: { monthlyImpactEmail: true, emailDeliverable: true },
      impact: { pairs: 3, trapWeeks: 3 },
    });
    expect(data.orders).toHaveLength(2);
    expect(data.orders[1]).toMatchObject({ pairs: 1, lines: [{ quantity: 2, pairsPerUnit: 1 }], refunds: [] });
    expect(data.ledgerEntries.map((e: { kind: string }) => e.kind)).toEqual(['sale', 'sale', 'refund']);
    expect(data.cameraWeeks).toHaveLength(3);
    expect(data.cameraWeeks[0]).toMatchObject({ number: 1, state: 'waiting', start: null });
    expect(data.emails.map((e: { subject: string }) => e.subject)).toEqual([
      'Thank you: your socks keep a camera trap watching',
      'Thank you: your socks keep a camera trap watching',
    ]);
    expect(data.stripeRecords.map((r: { type: string }) => r.type).sort()).toEqual([
      'charge.refunded',
      'checkout.session.completed',
      'checkout.session.completed',
    ]);
    const checkout = data.stripeRecords.find((r: { type: string }) => r.type === 'checkout.session.completed');
    expect(checkout.personalData['data.object.customer_details']).toMatchObject({ email: ADA.email, name: ADA.name });
  });

  it('answers an unknown, garbled, replaced or hostile link with the same 404, writing nothing and echoing nothing', async () => {
    const lines: string[] = [];
    const t = createTestApp({
      clock: new TestClock(OCTOBER_15),
      overrides: { logger: createLogger('info', {}, (line) => void lines.push(line)) },
    });
    const { ada, retiredToken } = await adaWithHistory(t);
    const before = snapshotDatabase(t);
    const hostile = [
      retiredToken,
      'nope',
      'x'.repeat(2000),
      "' OR 1=1 --",
      '..%2F..%2Fetc%2Fpasswd',
      '%00',
      '%E0%A4%A',
      `${ada.token}%20`,
      ada.token.toUpperCase(),
    ];
    for (const token of hostile) {
      const res = await t.http.get(`/api/supporters/${token}/export`);
      expect(res.status, token).toBe(404);
      // A path the router cannot even decode gets the app's one missing-page answer instead.
      expect([UNKNOWN_LINK, NOTHING_HERE], token).toContainEqual(res.body);
      expect(res.headers['content-disposition'], token).toBeUndefined();
      expect(res.text).not.toMatch(/at .*\.ts:|stack/i);
      expect(res.text).not.toContain(ada.token);
    }
    await t.http.get(`/api/supporters/${ada.token}/export`).expect(200);

    expect(snapshotDatabase(t)).toEqual(before);
    const logged = lines.join('\n');
    expect(logged).not.toContain(ada.token);
    expect(logged).not.toContain(retiredToken);
    expect(logged).toContain('"path":"/api/supporters/:token/export"');
  });
});

describe("a buyer's data in the console", () => {
  it('shows staff what we hold, lets them download it (audited), and links the buyer from the order page', async () => {
    const t = createTestApp({ clock: new TestClock(OCTOBER_15) });
    const { ada } = await adaWithHistory(t);
    const staff = await staffBrowser(t, 'staff');

    const order = await staff.get('/admin/orders/1');
    expect(order.text).toContain(`<a href="/admin/supporters/${ada.id}" id="order-supporter">${ADA.email}</a>`);
    const page = await staff.get(`/admin/supporters/${ada.id}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain(ADA.email);
    expect(page.text).toContain(`href="/admin/supporters/${ada.id}/export"`);
    expect(page.text).toContain('Only admins can erase a buyer.');
    expect(page.text).not.toContain('id="erase-form"');

    const file = await staff.get(`/admin/supporters/${ada.id}/export`);
    expect(file.status).toBe(200);
    expect(file.headers['content-disposition']).toBe('attachment; filename="socks-data-2026-10-15.json"');
    expect(file.headers['cache-control']).toBe('no-store');
    expect(JSON.parse(file.text).supporter.email).toBe(ADA.email);
    expect(t.ctx.db.select().from(auditLog).where(eq(auditLog.action, 'supporter.export')).all()).toMatchObject([
      { actor: 'staff@socks.test', subject: `supporter:${ada.id}` },
    ]);

    for (const path of ['/admin/supporters/999', '/admin/supporters/abc', '/admin/supporters/999/export'])
      expect((await staff.get(path)).status, path).toBe(404);
    const anonymous = await t.http.get(`/admin/supporters/${ada.id}/export`);
    expect(anonymous.status).toBe(303);
    expect(anonymous.headers.location).toBe(
      `/admin/login?next=${encodeURIComponent(`/admin/supporters/${ada.id}/export`)}`,
    );
  });

  it('lets only an admin erase, from the console itself, with a reason and the address typed', async () => {
    const t = createTestApp({ clock: new TestClock(OCTOBER_15) });
    const { ada, retiredToken } = await adaWithHistory(t);
    await t.http.get(`/impact/${ada.token}`).expect(200); // her camera section is now kept rendered
    const staff = await staffBrowser(t, 'staff');
    const admin = await staffBrowser(t, 'admin');
    const path = `/admin/supporters/${ada.id}/erase`;
    const form = { reason: 'Asked by email, 14 October', confirmEmail: ADA.email };
    const before = snapshotDatabase(t);

    const refused = [
      await staff.post(path, form),
      await admin.agent.post(path).type('form').send(form), // no CSRF token
      await admin.post(path, form).set('Origin', 'https://evil.example'),
      await admin.post(path, form).set('Sec-Fetch-Site', 'cross-site'),
      await admin.post(path, { ...form, reason: '' }),
      await admin.post(path, { ...form, confirmEmail: 'grace@example.org' }),
      await admin.post('/admin/supporters/999/erase', form),
      await t.http.post(path).type('form').send(form), // not signed in
    ];
    expect(refused.map((res) => res.status)).toEqual([403, 403, 403, 403, 400, 400, 404, 401]);
    for (const res of refused) {
      expect(res.text).not.toContain(ADA.email);
      expect(res.text).not.toContain(ada.token);
      expect(res.text).not.toMatch(/at .*\.ts:\d+/);
    }
    expect(snapshotDatabase(t)).toEqual(before);

    const erased = await admin.post(path, form);
    expect(erased.status).toBe(303);
    expect(erased.headers.location).toBe(`/admin/supporters/${ada.id}?done=erased`);
    const page = await admin.get(erased.headers.location!);
    expect(page.text).toContain(`Erased supporter #${ada.id}`);
    expect(page.text).toContain('By admin@socks.test: Asked by email, 14 October.');
    expect(page.text).not.toContain(ADA.email);
    expect((await admin.get('/admin/orders/1')).text).toContain(`erased supporter #${ada.id}`);

    const afterErasure = snapshotDatabase(t);
    const again = await admin.post(path, { ...form, confirmEmail: `erased-${ada.id}@erased.invalid` });
    expect(again.status).toBe(409);
    expect(again.text).toContain(`Supporter #${ada.id} was erased already; nothing changed.`);
    expect(snapshotDatabase(t)).toEqual(afterErasure);

    const unknownPage = await t.http.get(`/impact/${'Q'.repeat(32)}`);
    expect(unknownPage.status).toBe(404);
    // Her page, kept rendered in part, is now exactly the page any unknown link gets.
    expect((await t.http.get(`/impact/${ada.token}`)).text).toBe(unknownPage.text);
    for (const token of [ada.token, retiredToken])
      for (const [method, route] of privateRoutes(token)) {
        const res = await t.http[method](route).type('form').send({ monthly: 'off' });
        expect(res.status, `${method} ${route}`).toBe(404);
        expect(res.text).not.toContain('Download my data');
      }
    expect(snapshotDatabase(t)).toEqual(afterErasure);
  });

  it('treats an erased address as unknown in the link form: nothing is queued', async () => {
    const t = createTestApp({ clock: new TestClock(OCTOBER_15) });
    const { ada } = await adaWithHistory(t);
    const admin = await staffBrowser(t, 'admin');
    await admin.post(`/admin/supporters/${ada.id}/erase`, { reason: 'asked', confirmEmail: ADA.email }).expect(303);
    const before = snapshotDatabase(t);

    for (const email of [ADA.email, `erased-${ada.id}@erased.invalid`])
      await t.http.post('/impact/lookup').type('form').send({ email }).expect(303);
    await t.ctx.linkRequests.drain();

    expect(snapshotDatabase(t)).toEqual(before);
  });
});
