import { describe, expect, it } from 'vitest';
import { findOrderBySession } from '../../src/orders/orders.queries.js';
import { checkoutSession, nextCreated, stripeEvent } from '../helpers/stripe-events.js';
import { createTestApp } from '../helpers/test-app.js';

const event = (type: string, session: object) => stripeEvent(type, session, { createdSeconds: nextCreated() });

describe('checkout session states', () => {
  it('funds nothing for a completed but unpaid session, then funds it when the async payment succeeds', async () => {
    const t = createTestApp();
    const unpaid = checkoutSession({ paymentStatus: 'unpaid', lines: [{ pairsPerUnit: 3 }] });

    await t.deliver(event('checkout.session.completed', unpaid));
    await t.settle();
    expect(t.totals()).toEqual({ pairs: 0, trapWeeks: 0, supporters: 0 });
    expect(findOrderBySession(t.ctx.db, unpaid.id)?.status).toBe('unpaid');

    await t.deliver(event('checkout.session.async_payment_succeeded', { ...unpaid, payment_status: 'paid' }));
    await t.settle();
    expect(t.totals()).toEqual({ pairs: 3, trapWeeks: 3, supporters: 1 });
    expect(findOrderBySession(t.ctx.db, unpaid.id)?.status).toBe('paid');
  });

  it('funds nothing when the async payment fails', async () => {
    const t = createTestApp();
    const unpaid = checkoutSession({ paymentStatus: 'unpaid', lines: [{ pairsPerUnit: 3 }] });

    await t.deliver(event('checkout.session.completed', unpaid));
    await t.deliver(event('checkout.session.async_payment_failed', unpaid));
    await t.settle();

    expect(t.totals().pairs).toBe(0);
    expect(findOrderBySession(t.ctx.db, unpaid.id)?.status).toBe('failed');
  });

  it('never downgrades a paid order when an expiry or a stale unpaid event arrives later', async () => {
    const t = createTestApp();
    const paid = checkoutSession({ lines: [{ pairsPerUnit: 2 }] });

    await t.deliver(event('checkout.session.async_payment_succeeded', paid));
    await t.deliver(event('checkout.session.expired', { ...paid, status: 'expired', payment_status: 'unpaid' }));
    await t.deliver(event('checkout.session.completed', { ...paid, payment_status: 'unpaid' }));
    await t.settle();

    expect(t.totals().pairs).toBe(2);
    expect(findOrderBySession(t.ctx.db, paid.id)?.status).toBe('paid');
  });

  it('records an expired session that was never paid and funds nothing', async () => {
    const t = createTestApp();
    const session = checkoutSession({ status: 'expired', paymentStatus: 'unpaid', lines: [{ pairsPerUnit: 2 }] });

    await t.deliver(event('checkout.session.expired', session));
    await t.settle();

    expect(findOrderBySession(t.ctx.db, session.id)?.status).toBe('expired');
    expect(t.totals().pairs).toBe(0);
  });

  it('trusts the session object over the event type', async () => {
    const t = createTestApp();
    // An "async_payment_succeeded" whose object still says unpaid is not a payment.
    const session = checkoutSession({ paymentStatus: 'unpaid', lines: [{ pairsPerUnit: 5 }] });

    await t.deliver(event('checkout.session.async_payment_succeeded', session));
    await t.settle();

    expect(t.totals().pairs).toBe(0);
    expect(findOrderBySession(t.ctx.db, session.id)?.status).toBe('unpaid');
  });

  it('keeps one supporter per normalised email across orders', async () => {
    const t = createTestApp();

    await t.deliver(
      event(
        'checkout.session.completed',
        checkoutSession({ email: ' Ada@Example.ORG ', lines: [{ pairsPerUnit: 1 }] }),
      ),
    );
    await t.deliver(
      event('checkout.session.completed', checkoutSession({ email: 'ada@example.org', lines: [{ pairsPerUnit: 2 }] })),
    );
    await t.settle();

    expect(t.totals()).toEqual({ pairs: 3, trapWeeks: 3, supporters: 1 });
  });

  it('keeps whether a purchase was live or a test, through the update a later event makes', async () => {
    const t = createTestApp();
    const live = { ...checkoutSession({ paymentStatus: 'unpaid', lines: [{ pairsPerUnit: 1 }] }), livemode: true };
    const test = checkoutSession({ lines: [{ pairsPerUnit: 1 }] });

    await t.deliver(event('checkout.session.completed', live));
    await t.deliver(event('checkout.session.completed', test));
    await t.settle();
    expect(findOrderBySession(t.ctx.db, live.id)?.livemode).toBe(true);
    expect(findOrderBySession(t.ctx.db, test.id)?.livemode).toBe(false);

    await t.deliver(event('checkout.session.async_payment_succeeded', { ...live, payment_status: 'paid' }));
    await t.settle();
    expect(findOrderBySession(t.ctx.db, live.id)).toMatchObject({ status: 'paid', livemode: true });
  });
});
