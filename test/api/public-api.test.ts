import { describe, expect, it } from 'vitest';
import { findSupporterByEmail } from '../../src/supporters/supporters.queries.js';
import { chargeRefunded, checkoutCompleted, nextCreated, purchase, stripeEvent } from '../helpers/stripe-events.js';
import { createTestApp } from '../helpers/test-app.js';

describe('public JSON API', () => {
  it('GET /healthz answers ok while the database answers', async () => {
    const t = createTestApp();
    const res = await t.http.get('/healthz');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok' });
  });

  it('GET /api/impact gives net totals and the latest published census', async () => {
    const t = createTestApp();
    const refunded = purchase({ email: 'b@example.org', lines: [{ pairsPerUnit: 2, unitAmountMinor: 2000 }] });
    await t.deliver(checkoutCompleted({ email: 'a@example.org', lines: [{ pairsPerUnit: 3, quantity: 2 }] }));
    await t.deliver(stripeEvent('checkout.session.completed', refunded.session, { createdSeconds: nextCreated() }));
    await t.deliver(chargeRefunded(refunded, 2000));
    await t.settle();

    const res = await t.http.get('/api/impact');

    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      pairs: 6,
      trapWeeks: 6,
      supporters: 1,
      census: { date: '2024-01-01', adults: 84, adolescents: 7, cubs: 12, total: 103 },
      cameraWeeks: { years: [] }, // no camera data imported (test/pages/funded-share.test.ts has some)
    });
  });

  it('GET /api/supporters/:token shows a supporter their own orders with a masked email', async () => {
    const t = createTestApp();
    const event = checkoutCompleted({ email: 'grace@example.org', lines: [{ pairsPerUnit: 3 }] });
    await t.deliver(event);
    await t.deliver(checkoutCompleted({ email: 'someone-else@example.org', lines: [{ pairsPerUnit: 5 }] }));
    await t.settle();
    const token = findSupporterByEmail(t.ctx.db, 'grace@example.org')!.token;

    const res = await t.http.get(`/api/supporters/${token}`);

    expect(res.status).toBe(200);
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    expect(res.headers['cache-control']).toContain('no-store');
    expect(res.body).toEqual({
      email: 'g***@example.org',
      pairs: 3,
      trapWeeks: 3,
      orders: [
        {
          checkoutSessionId: event.data.object.id,
          paidAt: new Date(event.created * 1000).toISOString(),
          pairs: 3,
          trapWeeks: 3,
          status: 'paid',
        },
      ],
      // No camera data imported yet: her three weeks wait for it.
      cameraWeeks: { allocated: 0, waiting: 3, ahead: 0, leopardVisits: 0, weeks: [] },
    });
  });

  it('GET /api/supporters/:token answers an unknown token with a short 404', async () => {
    const t = createTestApp();
    const res = await t.http.get('/api/supporters/not-a-real-token');
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ error: { code: 'not_found', message: 'No supporter has this link.' } });
  });

  it('gives every response a request id, and keeps a sane one the caller sent', async () => {
    const t = createTestApp();
    const mine = await t.http.get('/healthz').set('x-request-id', 'abc12345-from-proxy');
    const generated = await t.http.get('/healthz').set('x-request-id', 'bad id; <script>');
    expect(mine.headers['x-request-id']).toBe('abc12345-from-proxy');
    expect(generated.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });
});
