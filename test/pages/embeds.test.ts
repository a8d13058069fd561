import { describe, expect, it } from 'vitest';
import { html } from '../helpers/html.js';
import { createTestApp } from '../helpers/test-app.js';
import { buy, refund } from './shoppers.js';

describe('GET /badge.svg, the counter shops embed', () => {
  it('shows the trap-weeks funded, net of refunds', async () => {
    const t = createTestApp();
    await buy(t, { email: 'ada@example.org', pairsPerUnit: 3, quantity: 500 });
    const refunded = await buy(t, { email: 'bob@example.org', pairsPerUnit: 2 });
    await refund(t, refunded, refunded.amount);
    await t.settle();

    const res = await t.http.get('/badge.svg').buffer(true);
    const svg = html(res.body.toString());

    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('image/svg+xml; charset=utf-8');
    expect(svg.texts('text')).toEqual(['camera-trap-weeks funded', '1,500']);
    expect(svg.select('svg').attrs['aria-label']).toBe('1,500 camera-trap-weeks funded by Critically Endangered Socks');
    expect(res.body.toString()).not.toMatch(/<script|<style|href=|on\w+=/i);
  });

  it('speaks in the singular for one trap-week', async () => {
    const t = createTestApp();
    await buy(t, { email: 'ada@example.org' });
    await t.settle();

    const svg = html((await t.http.get('/badge.svg').buffer(true)).body.toString());

    expect(svg.texts('text')).toEqual(['camera-trap-week funded', '1']);
    expect(svg.select('svg').attrs['aria-label']).toBe('1 camera-trap-week funded by Critically Endangered Socks');
  });

  it('may be embedded on any site and cached for a few minutes', async () => {
    const t = createTestApp();

    const res = await t.http.get('/badge.svg');

    expect(res.headers['cross-origin-resource-policy']).toBe('cross-origin');
    expect(res.headers['cache-control']).toBe('public, max-age=300');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers.etag).toBeTruthy();
    const again = await t.http.get('/badge.svg').set('if-none-match', res.headers.etag!);
    expect(again.status).toBe(304);
  });
});

describe('GET /api/impact for other sites', () => {
  it('keeps its JSON shape', async () => {
    const t = createTestApp();
    await buy(t, { email: 'ada@example.org', pairsPerUnit: 3 });
    await t.settle();

    const res = await t.http.get('/api/impact');

    // The fields other sites read stay as they were; cameraWeeks was added beside them (docs/domain.md).
    expect(res.body).toEqual({
      pairs: 3,
      trapWeeks: 3,
      supporters: 1,
      census: { date: '2024-01-01', adults: 84, adolescents: 7, cubs: 12, total: 103 },
      cameraWeeks: { years: [] },
    });
  });

  it('can be read by any site and revalidated with its ETag', async () => {
    const t = createTestApp();

    const first = await t.http.get('/api/impact').set('origin', 'https://shop.example');
    const unchanged = await t.http.get('/api/impact').set('if-none-match', first.headers.etag!);
    await buy(t, { email: 'ada@example.org' });
    await t.settle();
    const changed = await t.http.get('/api/impact').set('if-none-match', first.headers.etag!);

    expect(first.headers['access-control-allow-origin']).toBe('*');
    expect(first.headers['access-control-expose-headers']).toBe('ETag');
    expect(first.headers['cross-origin-resource-policy']).toBe('cross-origin');
    expect(first.headers['cache-control']).toBe('public, max-age=10');
    expect(unchanged.status).toBe(304);
    expect(changed.status).toBe(200);
    expect(changed.body.pairs).toBe(1);
  });

  it('answers a CORS preflight for GET', async () => {
    const t = createTestApp();

    const res = await t.http
      .options('/api/impact')
      .set('origin', 'https://shop.example')
      .set('access-control-request-method', 'GET')
      .set('access-control-request-headers', 'if-none-match');

    expect(res.status).toBe(204);
    expect(res.headers['access-control-allow-origin']).toBe('*');
    expect(res.headers['access-control-allow-methods']).toBe('GET, HEAD');
    expect(res.headers['access-control-allow-headers']).toBe('If-None-Match');
  });
});
