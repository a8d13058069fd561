import { describe, expect, it } from 'vitest';
import { stripeEvents } from '../../src/db/schema/index.js';
import { signPayload } from '../../src/stripe/simulated-events.js';
import { checkoutCompleted } from '../helpers/stripe-events.js';
import { createTestApp, WEBHOOK_SECRET, type TestApp } from '../helpers/test-app.js';

function storedCount(t: TestApp): number {
  return t.ctx.db.select().from(stripeEvents).all().length;
}

async function expectRejected(
  t: TestApp,
  response: { status: number; body: any; text: string },
  status: number,
  code: string,
) {
  expect(response.status).toBe(status);
  expect(response.body.error.code).toBe(code);
  expect(response.text).not.toMatch(/\bat .+\.(ts|js):\d+/); // no stack trace
  await t.settle();
  expect(storedCount(t)).toBe(0);
  expect(t.totals()).toEqual({ pairs: 0, trapWeeks: 0, supporters: 0 });
}

describe('POST /webhooks/stripe refuses bad requests and stores nothing', () => {
  const payload = () => JSON.stringify(checkoutCompleted({ lines: [{ pairsPerUnit: 3 }] }));
  const now = (t: TestApp) => Math.floor(t.clock.now() / 1000);

  it('without a Stripe-Signature header', async () => {
    const t = createTestApp();
    const res = await t.http.post('/webhooks/stripe').set('content-type', 'application/json').send(payload());
    await expectRejected(t, res, 400, 'missing_signature');
  });

  it('with a malformed header', async () => {
    const t = createTestApp();
    const res = await t.http
      .post('/webhooks/stripe')
      .set('content-type', 'application/json')
      .set('stripe-signature', 'nonsense')
      .send(payload());
    await expectRejected(t, res, 400, 'malformed_signature');
  });

  it('signed with the wrong secret', async () => {
    const t = createTestApp();
    const body = payload();
    const res = await t.http
      .post('/webhooks/stripe')
      .set('content-type', 'application/json')
      .set('stripe-signature', signPayload(body, 'whsec_someone_else', now(t)))
      .send(body);
    await expectRejected(t, res, 400, 'bad_signature');
  });

  it('with a stale timestamp', async () => {
    const t = createTestApp();
    const body = payload();
    const res = await t.http
      .post('/webhooks/stripe')
      .set('content-type', 'application/json')
      .set('stripe-signature', signPayload(body, WEBHOOK_SECRET, now(t) - 301))
      .send(body);
    await expectRejected(t, res, 400, 'stale_signature');
  });

  it('with a body altered after signing', async () => {
    const t = createTestApp();
    const body = payload();
    const res = await t.http
      .post('/webhooks/stripe')
      .set('content-type', 'application/json')
      .set('stripe-signature', signPayload(body, WEBHOOK_SECRET, now(t)))
      .send(body.replace('"amount_total":1200', '"amount_total":9'));
    await expectRejected(t, res, 400, 'bad_signature');
  });

  it('with a correctly signed body that is not JSON', async () => {
    const t = createTestApp();
    const res = await t.deliver('{"id": "evt_1", ');
    await expectRejected(t, res, 400, 'invalid_json');
  });

  it('with signed JSON that is not a Stripe event', async () => {
    const t = createTestApp();
    const res = await t.deliver({ hello: 'world' });
    await expectRejected(t, res, 400, 'not_an_event');
  });

  it('with the wrong content type', async () => {
    const t = createTestApp();
    const body = payload();
    const res = await t.http
      .post('/webhooks/stripe')
      .set('content-type', 'text/plain')
      .set('stripe-signature', signPayload(body, WEBHOOK_SECRET, now(t)))
      .send(body);
    await expectRejected(t, res, 415, 'unsupported_media_type');
  });

  it('with an oversized body', async () => {
    const t = createTestApp();
    const huge = JSON.stringify({ ...checkoutCompleted(), padding: 'x'.repeat(600 * 1024) });
    const res = await t.deliver(huge);
    await expectRejected(t, res, 413, 'body_too_large');
  });

  it('with an empty body', async () => {
    const t = createTestApp();
    const res = await t.http
      .post('/webhooks/stripe')
      .set('content-type', 'application/json')
      .set('stripe-signature', `t=${now(t)},v1=abc`);
    await expectRejected(t, res, 400, 'empty_body');
  });
});

describe('signing secret rotation', () => {
  it('accepts events signed with any active secret and no other', async () => {
    const t = createTestApp({ env: { STRIPE_WEBHOOK_SECRET: `whsec_old_one, ${WEBHOOK_SECRET}` } });
    expect(
      (await t.deliver(checkoutCompleted({ lines: [{ pairsPerUnit: 1 }] }), { secret: 'whsec_old_one' })).status,
    ).toBe(200);
    expect((await t.deliver(checkoutCompleted({ lines: [{ pairsPerUnit: 2 }] }))).status).toBe(200);
    expect(
      (await t.deliver(checkoutCompleted({ lines: [{ pairsPerUnit: 4 }] }), { secret: 'whsec_retired' })).status,
    ).toBe(400);
    await t.settle();
    expect(t.totals().pairs).toBe(3);
  });
});
