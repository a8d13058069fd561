import { describe, expect, it } from 'vitest';
import { findSupporterByEmail } from '../../src/supporters/supporters.queries.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';
import { buy, setSupporter, supporterToken } from './mail-test-kit.js';

const isSubscribed = (t: TestApp) => findSupporterByEmail(t.ctx.db, 'ada@example.org')!.isSubscribed;

async function shopper() {
  const t = createTestApp();
  await buy(t, { email: 'ada@example.org', pairs: 1 });
  return { t, path: `/unsubscribe/${supporterToken(t, 'ada@example.org')}` };
}

describe('unsubscribing from the monthly email', () => {
  it('GET only shows a confirm button: a link scanner following it changes nothing', async () => {
    const { t, path } = await shopper();

    const page = await t.http.get(path);

    expect(page.status).toBe(200);
    expect(page.headers['cache-control']).toBe('private, no-store');
    expect(page.text).toContain(`<form method="post" action="${path}">`);
    expect(page.text).toContain('Unsubscribe from the monthly email</button>');
    expect(isSubscribed(t)).toBe(true);
  });

  it('POST unsubscribes at once: one request, from anywhere, with no cookie, login or redirect', async () => {
    const { t, path } = await shopper();

    const res = await t.http
      .post(path)
      .set('Origin', 'https://mail.example.net')
      .type('form')
      .send('List-Unsubscribe=One-Click');

    expect(res.status).toBe(200);
    expect(res.headers.location).toBeUndefined();
    expect(res.headers['set-cookie']).toBeUndefined();
    expect(res.text).toContain('We will not send you the monthly impact email again.');
    expect(isSubscribed(t)).toBe(false);
    expect((await t.http.post(path)).status).toBe(200); // a second click is fine too
    expect(isSubscribed(t)).toBe(false);
  });

  it('offers a way back, from our own pages only', async () => {
    const { t, path } = await shopper();
    setSupporter(t, 'ada@example.org', { isSubscribed: false });

    const page = await t.http.get(path);
    expect(page.text).toContain(`<form method="post" action="${path}/resubscribe">`);
    const forged = await t.http.post(`${path}/resubscribe`).set('Origin', 'https://evil.example');
    expect(forged.status).toBe(403);
    expect(isSubscribed(t)).toBe(false);
    const res = await t.http.post(`${path}/resubscribe`).set('Origin', new URL(t.ctx.config.publicUrl).origin);
    // This page sends no referrer, so a browser too old for Sec-Fetch-Site posts "Origin: null".
    const fromOldBrowser = await t.http.post(`${path}/resubscribe`).set('Origin', 'null');

    expect(res.status).toBe(200);
    expect(fromOldBrowser.status).toBe(200);
    expect(res.text).toContain('the monthly impact email will come again');
    expect(isSubscribed(t)).toBe(true);
  });

  it('answers an unknown link with the not-found page and changes nothing', async () => {
    const { t } = await shopper();

    for (const res of [
      await t.http.get('/unsubscribe/not-a-token'),
      await t.http.post('/unsubscribe/not-a-token'),
      await t.http.post('/unsubscribe/not-a-token/resubscribe'),
    ]) {
      expect(res.status).toBe(404);
      expect(res.text).toContain('Page not found');
    }
    expect(isSubscribed(t)).toBe(true);
  });

  it("keeps an old email's link working after the shopper replaced their link, for unsubscribing and nothing else", async () => {
    const { t, path: oldPath } = await shopper();
    const oldToken = supporterToken(t, 'ada@example.org');
    const origin = new URL(t.ctx.config.publicUrl).origin;
    const replaced = await t.http.post(`/impact/${oldToken}/new-link`).set('Origin', origin);
    expect(replaced.status).toBe(303);
    const newToken = supporterToken(t, 'ada@example.org');
    expect(newToken).not.toBe(oldToken);
    expect((await t.http.get(`/impact/${oldToken}`)).status).toBe(404);
    expect((await t.http.get(`/api/supporters/${oldToken}`)).status).toBe(404);

    const page = await t.http.get(oldPath);
    expect(page.status).toBe(200);
    expect(page.text).toContain(`<form method="post" action="${oldPath}">`);
    expect(page.text).not.toContain(`/impact/${oldToken}`);
    expect(page.text).not.toContain(newToken);
    expect(isSubscribed(t)).toBe(true);

    const res = await t.http
      .post(oldPath)
      .set('Origin', 'https://mail.example.net')
      .type('form')
      .send('List-Unsubscribe=One-Click');
    expect(res.status).toBe(200);
    expect(res.text).toContain('We will not send you the monthly impact email again.');
    expect(res.text).not.toContain('/resubscribe');
    expect(res.text).not.toContain(`/impact/${oldToken}`);
    expect(res.text).not.toContain(newToken);
    expect(isSubscribed(t)).toBe(false);

    // The old link cannot sign anyone up again; the current one can.
    expect((await t.http.post(`${oldPath}/resubscribe`).set('Origin', origin)).status).toBe(404);
    expect(isSubscribed(t)).toBe(false);
    expect((await t.http.post(`/unsubscribe/${newToken}/resubscribe`).set('Origin', origin)).status).toBe(200);
    expect(isSubscribed(t)).toBe(true);
  });
});
