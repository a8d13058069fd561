import { describe, expect, it } from 'vitest';
import { html } from '../helpers/html.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';
import { buy, tokenOf } from './shoppers.js';

async function everyPage(t: TestApp) {
  await buy(t, { email: 'ada@example.org', name: 'Ada' });
  await t.settle();
  const token = tokenOf(t, 'ada@example.org');
  return Promise.all([
    t.http.get('/'),
    t.http.get(`/impact/${token}`),
    t.http.get('/impact/lookup'),
    t.http.post('/impact/lookup').type('form').send({ email: 'ada@example.org' }).redirects(1),
    t.http.post('/impact/lookup').type('form').send({ email: 'nonsense' }),
    t.http.get('/nowhere'),
  ]);
}

describe('security headers and markup', () => {
  it('sends a strict policy on every page', async () => {
    const t = createTestApp();
    for (const res of await everyPage(t)) {
      expect(res.headers['content-security-policy']).toBe(
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
      );
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['x-frame-options']).toBe('DENY');
      expect(res.headers['x-powered-by']).toBeUndefined();
    }
  });

  it('passes no referrer to other sites, and none at all from a private page or an error page', async () => {
    const t = createTestApp();
    const [home, impact, lookup, sent, invalid, missing] = await everyPage(t);
    const policies = [home, impact, lookup, sent, invalid, missing].map((res) => [
      res!.headers['referrer-policy'],
      html(res!.text).select('meta[name=referrer]').attrs.content,
    ]);
    expect(policies).toEqual([
      ['same-origin', 'same-origin'],
      ['no-referrer', 'no-referrer'],
      ['same-origin', 'same-origin'],
      ['same-origin', 'same-origin'],
      ['same-origin', 'same-origin'],
      ['no-referrer', 'no-referrer'],
    ]);
  });

  it('has no script, no inline style and no third-party request on any page', async () => {
    const t = createTestApp();
    for (const res of await everyPage(t)) {
      const page = html(res.text);
      const elements = page.selectAll('*');
      expect(elements.length).toBeGreaterThan(20);
      expect(elements.filter((el) => el.tag === 'script' || el.tag === 'style')).toEqual([]);
      expect(
        elements.filter((el) => 'style' in el.attrs || Object.keys(el.attrs).some((a) => a.startsWith('on'))),
      ).toEqual([]);
      const urls = elements
        .flatMap((el) => [el.attrs.src, el.attrs.href, el.attrs.action])
        .filter((u): u is string => Boolean(u));
      expect(urls.filter((u) => !u.startsWith('/') && !u.startsWith('#'))).toEqual([]);
      expect(page.selectAll('link[rel=stylesheet]').map((l) => l.attrs.href)).toEqual([
        expect.stringMatching(/^\/assets\/site\.[0-9a-f]{10}\.css$/),
      ]);
    }
  });

  it('serves the stylesheet with long caching under its fingerprint', async () => {
    const t = createTestApp();
    const href = html((await t.http.get('/')).text).select('link[rel=stylesheet]').attrs.href!;

    const css = await t.http.get(href);
    const plain = await t.http.get('/assets/site.css');
    const revalidated = await t.http.get(href).set('if-none-match', css.headers.etag!);

    expect(css.status).toBe(200);
    expect(css.headers['content-type']).toBe('text/css; charset=utf-8');
    expect(css.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(css.text).toContain('.figures');
    expect(plain.headers['cache-control']).toBe('public, max-age=300');
    expect(revalidated.status).toBe(304);
    expect((await t.http.get('/assets/../package.json')).status).toBe(404);
    expect((await t.http.get('/assets/nope.css')).status).toBe(404);
  });

  it('shows a plain 500 page without details when something breaks', async () => {
    const t = createTestApp();
    t.ctx.database.close(); // every query now fails

    const res = await t.http.get('/');

    expect(res.status).toBe(500);
    const page = html(res.text);
    expect(page.text('h1')).toBe('Something went wrong');
    expect(page.text('main p')).toBe('Something went wrong on our side. It has been logged.');
    expect(res.text).not.toMatch(/database|sqlite|\bat .+\.(ts|js):\d+/i);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(page.select('link[rel=stylesheet]').attrs.href).toMatch(/^\/assets\/site\./);
  });
});
