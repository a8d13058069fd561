import { describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { emailOutbox } from '../../src/db/schema/index.js';
import { REPLACED_LINK_GRACE_MS } from '../../src/supporters/supporter-settings.js';
import { findSupporterByEmail } from '../../src/supporters/supporters.queries.js';
import { setSupporter } from '../email/mail-test-kit.js';
import { html } from '../helpers/html.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';
import { disputeEvent, purchase, stripeEvent } from '../helpers/stripe-events.js';
import { buy, refund, tokenOf } from './shoppers.js';

const day = (y: number, m: number, d: number) => Date.UTC(y, m - 1, d) / 1000;

async function shopperWithThreeOrders(t: TestApp, name: string | null = 'Ada') {
  await buy(t, { email: 'Ada@Example.org', name, pairsPerUnit: 2, createdSeconds: day(2026, 1, 10) });
  const partly = await buy(t, { email: 'ada@example.org', name, pairsPerUnit: 3, createdSeconds: day(2026, 2, 14) });
  const fully = await buy(t, { email: 'ada@example.org', name, pairsPerUnit: 1, createdSeconds: day(2026, 3, 5) });
  await refund(t, partly, 400); // a third of £12 back: one of its three pairs no longer counts
  await refund(t, fully, fully.amount);
  await buy(t, { email: 'someone-else@example.org', pairsPerUnit: 7 });
  await t.settle();
  return tokenOf(t, 'ada@example.org');
}

describe('GET /impact/:token shows a shopper their own impact', () => {
  it('shows their pairs, trap-weeks and camera nights, net of refunds', async () => {
    const t = createTestApp();
    const token = await shopperWithThreeOrders(t);

    const res = await t.http.get(`/impact/${token}`);

    expect(res.status).toBe(200);
    const page = html(res.text);
    expect(page.text('h1')).toBe('Thank you, Ada');
    expect(page.text('[data-figure=pairs]')).toBe('4 pairs of socks');
    expect(page.text('[data-figure=trap-weeks]')).toBe('4 camera-trap-weeks funded');
    expect(page.text('[data-figure=camera-nights]')).toBe('28 camera nights');
  });

  it('lists every order with its date and an honest status, newest first', async () => {
    const t = createTestApp();
    const token = await shopperWithThreeOrders(t);

    const page = html((await t.http.get(`/impact/${token}`)).text);

    expect(page.rows('table.orders-table tbody tr')).toEqual([
      ['5 Mar 2026', '0 of 1', '0', 'Refunded This order no longer counts.'],
      ['14 Feb 2026', '2 of 3', '2', 'Partly refunded The refunded pairs no longer count.'],
      ['10 Jan 2026', '2', '2', 'Paid Every pair counts.'],
    ]);
    expect(page.selectAll('table.orders-table tbody tr').map((tr) => tr.attrs['data-status'])).toEqual([
      'refunded',
      'partially_refunded',
      'paid',
    ]);
    expect(page.select('table.orders-table tbody tr th time').attrs.datetime).toBe('2026-03-05');
  });

  it('judges refunds by the money: a small refund is a partial one, and a refund outranks a later dispute', async () => {
    const t = createTestApp();
    const email = 'grace@example.org';
    const single = await buy(t, { email, pairsPerUnit: 1, createdSeconds: day(2026, 4, 1) });
    const refundedThenDisputed = await buy(t, { email, pairsPerUnit: 2, createdSeconds: day(2026, 4, 2) });
    const partlyThenDisputed = await buy(t, { email, pairsPerUnit: 1, createdSeconds: day(2026, 4, 3) });
    await refund(t, single, 120); // 10% back: the one pair is no longer paid for in full, but most of the money stayed
    await refund(t, refundedThenDisputed, refundedThenDisputed.amount);
    await t.deliver(
      disputeEvent('charge.dispute.created', refundedThenDisputed, { id: 'dp_after_refund', status: 'needs_response' }),
    );
    await refund(t, partlyThenDisputed, 600);
    await t.deliver(
      disputeEvent('charge.dispute.created', partlyThenDisputed, { id: 'dp_after_partial', status: 'needs_response' }),
    );
    await t.settle();

    const page = html((await t.http.get(`/impact/${tokenOf(t, email)}`)).text);

    expect(page.rows('table.orders-table tbody tr')).toEqual([
      ['3 Apr 2026', '0 of 1', '0', 'Payment disputed The bank is looking into this payment.'],
      ['2 Apr 2026', '0 of 2', '0', 'Refunded This order no longer counts.'],
      ['1 Apr 2026', '0 of 1', '0', 'Partly refunded The refunded pairs no longer count.'],
    ]);
  });

  it('puts an order still waiting for its payment at the top (it is the newest), and a failed one at the bottom', async () => {
    const t = createTestApp();
    const email = 'ines@example.org';
    const failed = purchase({ email, paymentStatus: 'unpaid', lines: [{ pairsPerUnit: 1, unitAmountMinor: 1200 }] });
    await t.deliver(stripeEvent('checkout.session.completed', failed.session, { createdSeconds: day(2025, 1, 5) }));
    await t.deliver(
      stripeEvent('checkout.session.async_payment_failed', failed.session, { createdSeconds: day(2025, 1, 6) }),
    );
    await buy(t, { email, pairsPerUnit: 2, createdSeconds: day(2026, 6, 1) });
    const waiting = purchase({ email, paymentStatus: 'unpaid', lines: [{ pairsPerUnit: 3, unitAmountMinor: 1200 }] });
    await t.deliver(stripeEvent('checkout.session.completed', waiting.session, { createdSeconds: day(2026, 6, 9) }));
    await t.settle();

    const page = html((await t.http.get(`/impact/${tokenOf(t, email)}`)).text);

    expect(page.rows('table.orders-table tbody tr')).toEqual([
      ['Not paid yet', '0', '0', 'Awaiting payment Counts once the payment arrives.'],
      ['1 Jun 2026', '2', '2', 'Paid Every pair counts.'],
      ['Not paid yet', '0', '0', 'Payment failed Nothing was charged, so it does not count.'],
    ]);
  });

  it('says when an order waits for its socks to be matched, instead of claiming every pair counts', async () => {
    const t = createTestApp();
    const email = 'hedy@example.org';
    const unmatched = purchase({ email, lines: [{ quantity: 1, unitAmountMinor: 1500 }] });
    await t.deliver(stripeEvent('checkout.session.completed', unmatched.session, { createdSeconds: day(2026, 5, 2) }));
    const mixed = purchase({
      email,
      lines: [
        { pairsPerUnit: 2, quantity: 1, unitAmountMinor: 1200 },
        { quantity: 1, unitAmountMinor: 1500 },
      ],
    });
    await t.deliver(stripeEvent('checkout.session.completed', mixed.session, { createdSeconds: day(2026, 5, 3) }));
    const refundedUnmatched = purchase({ email, lines: [{ quantity: 1, unitAmountMinor: 1500 }] });
    await t.deliver(
      stripeEvent('checkout.session.completed', refundedUnmatched.session, { createdSeconds: day(2026, 5, 1) }),
    );
    await refund(t, refundedUnmatched, refundedUnmatched.amount);
    await t.settle();

    const page = html((await t.http.get(`/impact/${tokenOf(t, email)}`)).text);

    expect(page.rows('table.orders-table tbody tr')).toEqual([
      ['3 May 2026', '2', '2', 'Paid Items we have not yet matched to our socks count once we have.'],
      ['2 May 2026', '0', '0', 'Paid Items we have not yet matched to our socks count once we have.'],
      ['1 May 2026', '0', '0', 'Refunded This order no longer counts.'],
    ]);
  });

  it('shows the latest census', async () => {
    const t = createTestApp();
    const token = await shopperWithThreeOrders(t);

    const page = html((await t.http.get(`/impact/${token}`)).text);

    expect(page.text('section[aria-labelledby=census-title] p')).toContain('counted 103 Amur leopards');
    expect(page.texts('.breakdown li')).toEqual(['84 adults', '7 adolescents', '12 cubs']);
  });

  it('escapes a hostile name and never shows the full email address', async () => {
    const t = createTestApp();
    const hostile = '<script>alert("x")</script><img src=x onerror=alert(1)> & Co';
    const token = await shopperWithThreeOrders(t, hostile);

    const res = await t.http.get(`/impact/${token}`);

    expect(res.text).not.toContain('<script>alert');
    expect(res.text).not.toContain('<img src=x');
    expect(res.text).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    expect(html(res.text).text('h1')).toBe(`Thank you, ${hostile}`);
    expect(res.text.toLowerCase()).not.toContain('ada@example.org');
    expect(html(res.text).text('.lead')).toContain('a***@example.org');
  });

  it('thanks a shopper without a name plainly', async () => {
    const t = createTestApp();
    const token = await shopperWithThreeOrders(t, null);
    expect(html((await t.http.get(`/impact/${token}`)).text).text('h1')).toBe('Thank you');
  });

  it('is private: no referrer, not indexed, not cached', async () => {
    const t = createTestApp();
    const token = await shopperWithThreeOrders(t);

    const res = await t.http.get(`/impact/${token}`);

    expect(res.headers['referrer-policy']).toBe('no-referrer');
    expect(res.headers['x-robots-tag']).toBe('noindex, nofollow');
    expect(res.headers['cache-control']).toBe('private, no-store');
    expect(res.headers.etag).toBeUndefined(); // nothing is stored, so nothing revalidates
    const page = html(res.text);
    expect(page.select('meta[name=robots]').attrs.content).toBe('noindex, nofollow');
    expect(page.select('meta[name=referrer]').attrs.content).toBe('no-referrer');
  });

  it('answers an unknown token with exactly the page any missing address gets', async () => {
    const t = createTestApp();
    await shopperWithThreeOrders(t);
    const unknown = await t.http.get('/impact/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA');
    const missing = await t.http.get('/no-such-page');

    expect(unknown.status).toBe(404);
    expect(missing.status).toBe(404);
    expect(unknown.text).toBe(missing.text);
    const comparable = (headers: Record<string, string>) => {
      const { date: _date, 'x-request-id': _id, ...rest } = headers;
      return rest;
    };
    expect(comparable(unknown.headers)).toEqual(comparable(missing.headers));
    expect(html(unknown.text).text('h1')).toBe('Page not found');
    // A link cut short in the middle of an escape cannot even be decoded: still just a missing page.
    for (const garbled of ['/impact/%ZZ', '/unsubscribe/abc%E0%A4%A']) {
      const res = await t.http.get(garbled);
      expect(res.status, garbled).toBe(404);
      expect(res.text, garbled).toBe(missing.text);
      expect(comparable(res.headers), garbled).toEqual(comparable(missing.headers));
    }
  });
});

describe('a shopper changes their monthly email setting', () => {
  it('turns the monthly email off and on again, and the page says so', async () => {
    const t = createTestApp();
    const token = await shopperWithThreeOrders(t);
    const isSubscribed = () => findSupporterByEmail(t.ctx.db, 'ada@example.org')!.isSubscribed;
    const before = html((await t.http.get(`/impact/${token}`)).text);
    const form = before.selectAll('section[aria-labelledby=email-title] form')[0]!;
    expect(form.attrs.action).toBe(`/impact/${token}/monthly-email`);

    const off = await t.http.post(`/impact/${token}/monthly-email`).type('form').send({ monthly: 'off' });

    expect(off.status).toBe(303);
    expect(off.headers.location).toBe(`/impact/${token}?done=email-off`);
    expect(isSubscribed()).toBe(false);
    const after = html((await t.http.get(off.headers.location!)).text);
    expect(after.text('.notice')).toBe('Done: no more monthly emails. Your page stays here whenever you want it.');
    expect(after.text('section[aria-labelledby=email-title] button')).toBe('Send me the monthly email');

    await t.http.post(`/impact/${token}/monthly-email`).type('form').send({ monthly: 'on' }).expect(303);
    expect(isSubscribed()).toBe(true);
  });

  it('leaves the setting alone when the choice is missing or the form came from another site', async () => {
    const t = createTestApp();
    const token = await shopperWithThreeOrders(t);
    const isSubscribed = () => findSupporterByEmail(t.ctx.db, 'ada@example.org')!.isSubscribed;

    const garbled = await t.http.post(`/impact/${token}/monthly-email`).type('form').send({ monthly: 'maybe' });
    const crossSite = await t.http
      .post(`/impact/${token}/monthly-email`)
      .set('origin', 'https://evil.example')
      .set('sec-fetch-site', 'cross-site')
      .type('form')
      .send({ monthly: 'off' });
    const foreignOrigin = await t.http
      .post(`/impact/${token}/monthly-email`)
      .set('origin', 'https://evil.example')
      .type('form')
      .send({ monthly: 'off' });

    expect(garbled.status).toBe(400);
    expect(crossSite.status).toBe(403);
    expect(foreignOrigin.status).toBe(403);
    expect(isSubscribed()).toBe(true);
  });

  it('accepts the form from our own pages', async () => {
    const t = createTestApp();
    const token = await shopperWithThreeOrders(t);

    await t.http
      .post(`/impact/${token}/monthly-email`)
      .set('sec-fetch-site', 'same-origin')
      .type('form')
      .send({ monthly: 'off' })
      .expect(303);
    await t.http
      .post(`/impact/${token}/monthly-email`)
      .set('origin', 'http://socks.test')
      .type('form')
      .send({ monthly: 'on' })
      .expect(303);
    // A browser too old for Sec-Fetch-Site posts from a page with no referrer as "Origin: null".
    await t.http
      .post(`/impact/${token}/monthly-email`)
      .set('origin', 'null')
      .type('form')
      .send({ monthly: 'off' })
      .expect(303);

    expect(findSupporterByEmail(t.ctx.db, 'ada@example.org')!.isSubscribed).toBe(false);
  });

  it('does not promise emails to an address that bounces', async () => {
    const t = createTestApp();
    const token = await shopperWithThreeOrders(t);
    const emailPanel = async () =>
      html((await t.http.get(`/impact/${token}`)).text).text('section[aria-labelledby=email-title]');
    expect(await emailPanel()).toContain('You get a short email once a month');

    setSupporter(t, 'ada@example.org', { isDeliverable: false });

    const panel = await emailPanel();
    expect(panel).toContain('Emails to a***@example.org have been bouncing, so we have stopped sending them.');
    expect(panel).toContain('You asked for a short email once a month');
    expect(panel).not.toContain('You get a short email');
  });

  it('gets a 404 for an unknown token', async () => {
    const t = createTestApp();
    await shopperWithThreeOrders(t);
    const res = await t.http.post('/impact/not-a-real-token/monthly-email').type('form').send({ monthly: 'off' });
    expect(res.status).toBe(404);
  });
});

describe('a shopper replaces their link', () => {
  it('moves them to a new link; the old one is gone at once', async () => {
    const t = createTestApp();
    const oldToken = await shopperWithThreeOrders(t);

    const res = await t.http.post(`/impact/${oldToken}/new-link`).set('sec-fetch-site', 'same-origin');

    const newToken = tokenOf(t, 'ada@example.org');
    expect(newToken).not.toBe(oldToken);
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(`/impact/${newToken}?done=new-link`);
    expect((await t.http.get(`/impact/${oldToken}`)).status).toBe(404);
    const page = html((await t.http.get(res.headers.location!)).text);
    expect(page.text('.notice')).toBe(
      'Done: this is your new link. The old one no longer works, so bookmark this one.',
    );
    expect(page.text('[data-figure=pairs]')).toBe('4 pairs of socks');
  });

  it('answers a second press of the old button by emailing the new link, once, instead of a 404', async () => {
    const t = createTestApp();
    const oldToken = await shopperWithThreeOrders(t);
    const press = () => t.http.post(`/impact/${oldToken}/new-link`).set('sec-fetch-site', 'same-origin');

    const first = await press();
    const second = await press(); // a double-click: the browser shows this answer, not the first
    const third = await press();
    const newToken = tokenOf(t, 'ada@example.org');

    expect(first.status).toBe(303);
    for (const res of [second, third]) {
      expect(res.status).toBe(200);
      expect(res.headers['referrer-policy']).toBe('no-referrer');
      const page = html(res.text);
      expect(page.text('h1')).toBe('Your link was already replaced');
      expect(page.text('main')).toContain('we have emailed it to a***@example.org');
      expect(res.text).not.toContain(newToken); // whoever holds the old link never sees the new one
    }
    const linkEmails = t.ctx.db.select().from(emailOutbox).where(eq(emailOutbox.kind, 'impact_link')).all();
    expect(linkEmails).toHaveLength(1);
    expect(linkEmails[0]!.textBody).toContain(`/impact/${newToken}`);
    expect(tokenOf(t, 'ada@example.org')).toBe(newToken); // replaced once, not three times

    t.clock.advance(REPLACED_LINK_GRACE_MS + 1);
    expect((await press()).status).toBe(404);
  });

  it('says so, without emailing, when the address bounces', async () => {
    const t = createTestApp();
    const oldToken = await shopperWithThreeOrders(t);
    await t.http.post(`/impact/${oldToken}/new-link`).set('sec-fetch-site', 'same-origin').expect(303);
    setSupporter(t, 'ada@example.org', { isDeliverable: false });

    const res = await t.http.post(`/impact/${oldToken}/new-link`).set('sec-fetch-site', 'same-origin');

    expect(res.status).toBe(200);
    expect(html(res.text).text('main')).toContain('messages to a***@example.org have been bouncing');
    expect(t.ctx.db.select().from(emailOutbox).where(eq(emailOutbox.kind, 'impact_link')).all()).toHaveLength(0);
  });

  it('refuses a cross-site request to replace it', async () => {
    const t = createTestApp();
    const token = await shopperWithThreeOrders(t);

    const res = await t.http.post(`/impact/${token}/new-link`).set('sec-fetch-site', 'cross-site');

    expect(res.status).toBe(403);
    expect(tokenOf(t, 'ada@example.org')).toBe(token);
  });
});
