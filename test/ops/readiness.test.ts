import { describe, expect, it } from 'vitest';
import { stripeEvents } from '../../src/db/schema/index.js';
import { checkoutCompleted } from '../helpers/stripe-events.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';

const MINUTE = 60_000;

function failingEvent(t: TestApp, id: string) {
  t.ctx.db
    .insert(stripeEvents)
    .values({
      id,
      type: 'checkout.session.completed',
      stripeCreated: 1,
      payload: '{}',
      status: 'retrying',
      nextAttemptAt: t.clock.now() + MINUTE,
      receivedAt: t.clock.now(),
    })
    .run();
}

describe('GET /readyz', () => {
  it('is ready on a healthy app, and /healthz stays the cheap liveness check', async () => {
    const t = createTestApp();
    const res = await t.http.get('/readyz');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ready', reasons: [] });
    expect(res.headers['cache-control']).toBe('no-store');
    expect((await t.http.get('/healthz')).body).toEqual({ status: 'ok' });
  });

  it('says degraded, and why, once an event has been failing longer than READY_EVENT_FAILURE_AFTER', async () => {
    const t = createTestApp({ env: { READY_EVENT_FAILURE_AFTER: '10m' } });
    failingEvent(t, 'evt_failing');
    t.clock.advance(9 * MINUTE);
    expect((await t.http.get('/readyz')).status).toBe(200);
    t.clock.advance(2 * MINUTE);
    const res = await t.http.get('/readyz');
    expect(res.status).toBe(503);
    expect(res.body.status).toBe('degraded');
    expect(res.body.reasons).toEqual([
      "1 Stripe event(s) failing or retrying, the oldest for 11 minutes: see the console's webhook events, fix the cause and replay them",
    ]);
    expect((await t.http.get('/healthz')).status).toBe(200);
  });

  it('says the outbox is stuck when an email has been due too long', async () => {
    const t = createTestApp();
    await t.deliver(checkoutCompleted({ email: 'ada@example.org', lines: [{ pairsPerUnit: 1 }] }));
    await t.settle(); // the receipt is queued; nothing sends it in this test
    t.clock.advance(29 * MINUTE);
    expect((await t.http.get('/readyz')).status).toBe(200);
    t.clock.advance(2 * MINUTE);
    const res = await t.http.get('/readyz');
    expect(res.status).toBe(503);
    expect(res.body.reasons).toEqual([
      'the outbox is stuck: an email has been due for 31 minutes (1 queued, 0 waiting to retry); check the mail relay',
    ]);
    await t.ctx.mail.outbox.drain();
    expect((await t.http.get('/readyz')).status).toBe(200);
  });

  it('says so when the disk beside the database has less room than READY_MIN_FREE_DISK_MB', async () => {
    const t = createTestApp({ env: { READY_MIN_FREE_DISK_MB: '10000000' } });
    const res = await t.http.get('/readyz');
    expect(res.status).toBe(503);
    expect(res.body.reasons[0]).toMatch(
      /^\d+ MB free on the database's disk, under the 10000000 MB set by READY_MIN_FREE_DISK_MB$/,
    );
  });

  it('refuses readiness settings that make no sense at start', () => {
    expect(() => createTestApp({ env: { READY_OUTBOX_STUCK_AFTER: 'soon' } })).toThrow(
      /READY_OUTBOX_STUCK_AFTER must be a duration/,
    );
  });
});
