import { describe, expect, it, afterEach } from 'vitest';
import { eq } from 'drizzle-orm';
import { auditLog, emailOutbox, ledgerEntries, orders, stripeEvents } from '../../src/db/schema/index.js';
import { lineItem } from '../../src/stripe/simulated-events.js';
import {
  chargeRefunded,
  checkoutSession,
  disputeEvent,
  purchase,
  refundEvent,
  stripeEvent,
} from '../helpers/stripe-events.js';
import { decodeEntities, html } from '../helpers/html.js';
import { startStripeStandIn, type StripeStandIn } from '../helpers/stripe-stand-in.js';
import { staffBrowser } from '../helpers/staff-console.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';
import { TestClock } from '../helpers/test-clock.js';

const at = (iso: string) => Date.parse(iso);
const seconds = (iso: string) => Math.floor(at(iso) / 1000);
const MARCH = at('2025-03-10T12:00:00Z');

function appInMarch(env: Record<string, string> = {}) {
  return createTestApp({ clock: new TestClock(MARCH), env: { DONATION_PER_PAIR: 'GBP:100,EUR:115', ...env } });
}

async function buy(t: TestApp, opts: Parameters<typeof purchase>[0], whenIso: string) {
  const p = purchase(opts);
  await t.deliver(stripeEvent('checkout.session.completed', p.session, { createdSeconds: seconds(whenIso) }));
  await t.settle();
  return p;
}

/** The cells of the table row that starts with `first`, tags stripped. */
function rowOf(html: string, tableCaption: string, first: string): string[] {
  const table = html.slice(html.indexOf(`<caption>${tableCaption}`));
  const row = table.split('<tr>').find((r) => r.startsWith(`<td>${first}</td>`));
  if (!row) throw new Error(`no row ${first} under ${tableCaption}`);
  return [...row.matchAll(/<td[^>]*>(.*?)<\/td>/g)].map((m) => m[1]!.replace(/<[^>]+>/g, '').trim());
}

describe('the dashboard', () => {
  it('shows this month and all time per currency, and what needs attention', async () => {
    const t = appInMarch();
    await buy(t, { lines: [{ pairsPerUnit: 3 }] }, '2025-02-10T10:00:00Z');
    const disputed = await buy(t, { lines: [{ pairsPerUnit: 2 }] }, '2025-03-02T10:00:00Z');
    await buy(t, { currency: 'eur', lines: [{ pairsPerUnit: 1 }] }, '2025-03-03T10:00:00Z');
    await buy(t, { currency: 'usd', lines: [{ pairsPerUnit: 1 }] }, '2025-03-04T10:00:00Z'); // no USD rate
    await buy(t, { lines: [{ quantity: 2 }] }, '2025-03-05T10:00:00Z'); // unmapped
    await t.deliver(
      disputeEvent(
        'charge.dispute.created',
        disputed,
        { id: 'dp_open', status: 'needs_response' },
        seconds('2025-03-06T10:00:00Z'),
      ),
    );
    await t.settle();
    const browser = await staffBrowser(t);
    await browser.post('/admin/donations', {
      paidOn: '2025-03-08',
      amount: '1.00',
      currency: 'GBP',
      reference: 'BACS 1',
    });

    const page = (await browser.get('/admin')).text;
    expect(rowOf(page, 'This month (2025-03)', 'GBP')).toEqual(['GBP', '1', '2', '2', '£2.00', '£1.00', '£1.00']);
    expect(rowOf(page, 'This month (2025-03)', 'EUR')).toEqual(['EUR', '1', '1', '1', '€1.15', '€0.00', '€1.15']);
    expect(rowOf(page, 'All time', 'GBP')).toEqual(['GBP', '2', '5', '5', '£5.00', '£1.00', '£4.00']);
    expect(rowOf(page, 'All time', 'USD')).toEqual(['USD', '1', '1', '1', 'US$0.00', 'US$0.00', 'US$0.00']);
    const attention = page.slice(page.indexOf('id="attention"'), page.indexOf('</ul>', page.indexOf('id="attention"')));
    expect(attention).toContain('<strong>1</strong> unmapped line item in 1 order');
    expect(attention).toContain('<strong>1</strong> open dispute');
    expect(attention).toContain('<strong>1</strong> order in a currency with no donation rate');
  });
});

describe('orders', () => {
  it('finds orders by email or any Stripe id, filters by status and month, and pages through them', async () => {
    const t = appInMarch();
    const ada1 = await buy(t, { email: 'ada@example.org', lines: [{ pairsPerUnit: 1 }] }, '2025-01-10T10:00:00Z');
    const ada2 = await buy(t, { email: 'Ada@Example.org', lines: [{ pairsPerUnit: 2 }] }, '2025-02-10T10:00:00Z');
    await buy(
      t,
      { email: 'bob@example.org', paymentStatus: 'unpaid', lines: [{ pairsPerUnit: 1 }] },
      '2025-02-11T10:00:00Z',
    );
    const browser = await staffBrowser(t);
    const found = async (query: string) =>
      [
        ...(await browser.get(`/admin/orders?${query}`)).text.matchAll(
          /<td><a href="\/admin\/orders\/\d+">(cs_[^<]+)<\/a><\/td>/g,
        ),
      ].map((m) => m[1]);

    expect(await found('q=ADA%40example.org')).toEqual([ada2.session.id, ada1.session.id]);
    expect(await found(`q=${ada1.session.id}`)).toEqual([ada1.session.id]);
    expect(await found(`q=${ada2.paymentIntentId}`)).toEqual([ada2.session.id]);
    expect(await found('q=nobody%40example.org')).toEqual([]);
    expect(await found('status=unpaid')).toHaveLength(1);
    expect(await found('month=2025-02&status=paid')).toEqual([ada2.session.id]);

    for (let i = 0; i < 52; i++)
      await t.deliver(stripeEvent('checkout.session.completed', checkoutSession({ lines: [{ pairsPerUnit: 1 }] })));
    await t.settle();
    const first = await browser.get('/admin/orders');
    const older = decodeEntities(/href="(\/admin\/orders\?after[^"]+)"/.exec(first.text)?.[1] ?? '');
    expect(older).toMatch(/^\/admin\/orders\?after=\d+\.\d+$/);
    const second = await found(older.slice('/admin/orders?'.length));
    expect(second).toHaveLength(5);
    expect(second.at(-1)).toBe(ada1.session.id);
  });

  it('shows an order’s lines, ledger entries and the Stripe events behind it, with their raw JSON', async () => {
    const t = appInMarch();
    const p = await buy(
      t,
      { lines: [{ pairsPerUnit: 3, description: 'Leopard socks <3-pack>' }] },
      '2025-03-01T10:00:00Z',
    );
    await t.deliver(
      disputeEvent(
        'charge.dispute.created',
        p,
        { id: 'dp_1', status: 'needs_response' },
        seconds('2025-03-02T10:00:00Z'),
      ),
    );
    await t.settle();
    const order = t.ctx.db.select().from(orders).get()!;
    const browser = await staffBrowser(t);
    const page = (await browser.get(`/admin/orders/${order.id}`)).text;
    expect(page).toContain('Leopard socks &lt;3-pack&gt;');
    expect(html(page).text('#order-pairs')).toBe('Pairs funded now 3');
    expect(page).toContain(`paid checkout ${p.session.id}`);
    const eventIds = t.ctx.db
      .select({ id: stripeEvents.id })
      .from(stripeEvents)
      .all()
      .map((e) => e.id);
    for (const id of eventIds) expect(page).toContain(`href="/admin/events/${id}"`);
    const checkoutEvent = t.ctx.database.sqlite
      .prepare("select id from stripe_events where type = 'checkout.session.completed'")
      .pluck()
      .get();
    const raw = (await browser.get(`/admin/events/${checkoutEvent}`)).text;
    expect(raw).toContain(`&quot;id&quot;: &quot;${p.session.id}&quot;`);
  });

  it('shows a sale, a partial refund and a lost dispute with running totals, each event and email linked', async () => {
    const t = appInMarch();
    // 3 pairs for £36.00: £12.00 refunded takes back 1 pair, the lost dispute the other 2.
    const p = await buy(
      t,
      { email: 'ada@example.org', lines: [{ pairsPerUnit: 3, unitAmountMinor: 3600 }] },
      '2025-03-01T10:00:00Z',
    );
    const other = await buy(t, { email: 'ada@example.org', lines: [{ pairsPerUnit: 1 }] }, '2025-03-01T11:00:00Z');
    const refund = chargeRefunded(p, 1200, seconds('2025-03-02T10:00:00Z'));
    const refundObject = refundEvent(
      'refund.created',
      p,
      { id: 're_part', amount: 1200, status: 'succeeded' },
      seconds('2025-03-02T10:00:01Z'),
    );
    const opened = disputeEvent(
      'charge.dispute.created',
      p,
      { id: 'dp_lost', amount: 2400, status: 'needs_response' },
      seconds('2025-03-03T10:00:00Z'),
    );
    // Older API versions name only the charge on a dispute: the event is still found through it.
    const lost = disputeEvent(
      'charge.dispute.closed',
      p,
      { id: 'dp_lost', amount: 2400, status: 'lost' },
      seconds('2025-03-04T10:00:00Z'),
    );
    delete (lost.data.object as { payment_intent?: string }).payment_intent;
    for (const event of [refund, refundObject, opened, lost]) await t.deliver(event);
    await t.settle();

    const order = t.ctx.db.select().from(orders).where(eq(orders.checkoutSessionId, p.session.id)).get()!;
    const browser = await staffBrowser(t);
    const page = html((await browser.get(`/admin/orders/${order.id}`)).text);

    expect(page.texts('#order-summary li')).toEqual([
      'Status paid',
      'Amount £36.00',
      'Pairs funded now 0',
      'Trap-weeks funded now 0',
      'Donation owed £0.00',
    ]);
    const entryIds = t.ctx.db
      .select({ id: ledgerEntries.id })
      .from(ledgerEntries)
      .where(eq(ledgerEntries.orderId, order.id))
      .all()
      .map((e) => String(e.id));
    const ledger = page.rows('#order-ledger tbody tr');
    expect(ledger.map((cells) => [cells[0], cells[1]!.split(' ')[0], ...cells.slice(2)])).toEqual([
      [entryIds[0], 'sale', '2025-03-01 10:00:00', '2025-03', '3', '3', '£3.00', '3', '3', '£3.00'],
      [entryIds[1], 'refund', '2025-03-02 10:00:00', '2025-03', '-1', '-1', '-£1.00', '2', '2', '£2.00'],
      [entryIds[2], 'dispute', '2025-03-04 10:00:00', '2025-03', '-2', '-2', '-£2.00', '0', '0', '£0.00'],
    ]);
    expect(page.texts('#order-ledger tbody strong')).toEqual(['sale', 'refund', 'dispute lost']);
    expect(page.rows('#order-refunds tbody tr')).toEqual([['re_part', 'succeeded', '£12.00']]);
    expect(page.rows('#order-charges tbody tr')).toEqual([[p.chargeId, '£36.00', '£12.00']]);
    expect(page.rows('#order-disputes tbody tr')).toEqual([['dp_lost', 'lost', '£24.00']]);

    const checkout = t.ctx.database.sqlite
      .prepare("select id from stripe_events where type = 'checkout.session.completed' and id != ?")
      .pluck()
      .all(eventOf(t, other.session.id)) as string[];
    expect(checkout).toHaveLength(1);
    expect(page.selectAll('#order-events tbody a').map((a) => a.attrs.href)).toEqual(
      [checkout[0]!, refund.id, refundObject.id, opened.id, lost.id].map((id) => `/admin/events/${id}`),
    );
    const receipts = t.ctx.db.select({ id: emailOutbox.id, key: emailOutbox.idempotencyKey }).from(emailOutbox).all();
    expect(receipts.map((r) => r.key).sort()).toEqual(
      [`receipt:${other.session.id}`, `receipt:${p.session.id}`].sort(),
    );
    const receipt = receipts.find((r) => r.key === `receipt:${p.session.id}`)!;
    expect(page.selectAll('#order-emails tbody a').map((a) => a.attrs.href)).toEqual([`/admin/emails/${receipt.id}`]);
    expect(page.select('#order-supporter').attrs.href).toBe(`/admin/supporters/${order.supporterId}`);
  });

  it('links an unmapped line to the products page, and answers 404 for an order that does not exist', async () => {
    const t = appInMarch();
    await buy(t, { lines: [{ pairsPerUnit: 1 }, { quantity: 2, description: 'Gift box' }] }, '2025-03-01T10:00:00Z');
    const order = t.ctx.db.select().from(orders).get()!;
    const browser = await staffBrowser(t);
    const page = html((await browser.get(`/admin/orders/${order.id}`)).text);
    expect(page.rows('#lines tbody tr').map((cells) => cells.slice(0, 1).concat(cells.slice(3)))).toEqual([
      ['Leopard socks (1-pack)', '1', '1', '1', '£12.00'],
      ['Gift box', '2', 'unmapped: map it', '', '£24.00'],
    ]);
    expect(page.selectAll('#lines a').map((a) => a.attrs.href)).toEqual(['/admin/products#unmapped']);
    expect(page.select('#order-unmapped a').attrs.href).toBe('/admin/products#unmapped');

    expect((await browser.get(`/admin/orders/${order.id + 1}`)).status).toBe(404);
    expect((await browser.get('/admin/orders/not-a-number')).status).toBe(404);
  });
});

/** The id of the checkout event of a session. */
function eventOf(t: TestApp, sessionId: string): string {
  return t.ctx.database.sqlite
    .prepare("select id from stripe_events where json_extract(payload, '$.data.object.id') = ?")
    .pluck()
    .get(sessionId) as string;
}

describe('webhook events', () => {
  let standIn: StripeStandIn | undefined;
  afterEach(async () => standIn?.close());

  it('shows a retrying event with its last error, and re-processes it on request', async () => {
    standIn = await startStripeStandIn();
    const t = appInMarch({ STRIPE_SECRET_KEY: 'sk_test_stand_in', STRIPE_API_URL: standIn.url });
    const session = checkoutSession();
    standIn.lineItems.set(session.id, [lineItem({ pairsPerUnit: 4 }, 'gbp')]);
    standIn.isDown = true;
    const event = stripeEvent('checkout.session.completed', session, {
      createdSeconds: seconds('2025-03-09T10:00:00Z'),
    });
    await t.deliver(event);
    await t.settle();
    const browser = await staffBrowser(t);
    const list = (await browser.get('/admin/events?status=retrying')).text;
    expect(list).toContain(event.id);
    expect(list).toMatch(/retrying \(next try [^)]+\)<\/td><td class="num">1<\/td>/);

    standIn.isDown = false;
    expect((await browser.post(`/admin/events/${event.id}/replay`)).status).toBe(303);
    await t.settle();
    expect((await browser.get(`/admin/events/${event.id}`)).text).toContain('<dd id="event-status">processed</dd>');
    expect(t.totals().pairs).toBe(4);
    const audit = t.ctx.db
      .select()
      .from(auditLog)
      .all()
      .find((a) => a.action === 'event.replay')!;
    expect(JSON.parse(audit.before!)).toMatchObject({ status: 'retrying', attempts: 1 });
  });
});

describe('products', () => {
  it('mapping an unmapped price recomputes its orders with new ledger entries, never edits', async () => {
    const t = appInMarch();
    await buy(
      t,
      {
        lines: [
          { pairsPerUnit: 1 },
          { priceId: 'price_gift', productId: 'prod_gift', quantity: 2, description: 'Gift box' },
        ],
      },
      '2025-03-01T10:00:00Z',
    );
    await buy(
      t,
      { lines: [{ priceId: 'price_gift', productId: 'prod_gift', quantity: 1, description: 'Gift box' }] },
      '2025-03-02T10:00:00Z',
    );
    expect(t.totals().pairs).toBe(1);
    const before = t.ctx.db.select().from(ledgerEntries).all();
    const browser = await staffBrowser(t);
    expect((await browser.get('/admin/products')).text).toMatch(
      /<td>Gift box<\/td><td>price_gift<\/td><td>prod_gift<\/td><td class="num">2<\/td><td class="num">3<\/td>/,
    );

    expect(
      (await browser.post('/admin/products', { stripeId: 'price_gift', name: 'Gift box', pairsPerUnit: '3' })).status,
    ).toBe(303);
    expect(t.totals().pairs).toBe(1 + 6 + 3);
    const after = t.ctx.db.select().from(ledgerEntries).all();
    expect(after.slice(0, before.length)).toEqual(before);
    expect(after.slice(before.length).map((e) => [e.kind, e.pairs, e.donationMinor])).toEqual([
      ['adjustment', 6, 600],
      ['sale', 3, 300],
    ]);
    expect((await browser.get('/admin/products')).text).toContain('Every line item is mapped.');

    // A product mapping does not override the price mapping; a new price figure does apply.
    await browser.post('/admin/products', { stripeId: 'prod_gift', name: 'Gift box (any price)', pairsPerUnit: '5' });
    expect(t.totals().pairs).toBe(10);
    await browser.post('/admin/products', { stripeId: 'price_gift', name: 'Gift box', pairsPerUnit: '2' });
    expect(t.totals().pairs).toBe(1 + 4 + 2);
    const changes = t.ctx.db
      .select()
      .from(auditLog)
      .all()
      .filter((a) => a.action === 'product.map');
    expect(
      changes.map((c) => JSON.parse(c.after!)).map((a) => [a.pairsPerUnit, a.linesChanged, a.ordersReconciled]),
    ).toEqual([
      [3, 2, 2],
      [5, 0, 0],
      [2, 2, 2],
    ]);
  });

  it('refuses a mapping it cannot use, and changes nothing', async () => {
    const t = appInMarch();
    const browser = await staffBrowser(t);
    for (const [form, message] of [
      [{ stripeId: 'sku_1', name: 'x', pairsPerUnit: '1' }, 'price id (price_…) or product id'],
      [{ stripeId: 'price_1', name: 'x', pairsPerUnit: '0' }, 'from 1 to 100'],
      [{ stripeId: 'price_1', name: '', pairsPerUnit: '2' }, 'Give the product a name'],
    ] as const) {
      const res = await browser.post('/admin/products', form);
      expect(res.status).toBe(400);
      expect(res.text).toContain(message);
    }
    expect(
      t.ctx.db
        .select()
        .from(auditLog)
        .all()
        .filter((a) => a.action === 'product.map'),
    ).toHaveLength(0);
  });
});

describe('conversion rules', () => {
  it('an admin adds a rule from a future day; orders keep the rule of their payment day; past rules are read-only', async () => {
    const t = appInMarch();
    const admin = await staffBrowser(t, 'admin');
    expect(
      (await admin.post('/admin/rules', { effectiveOn: '2025-03-10', trapWeeksPerPair: '1', rates: 'GBP 1.50' })).text,
    ).toContain('after today');
    expect(
      (
        await admin.post('/admin/rules', {
          effectiveOn: '2025-03-11',
          trapWeeksPerPair: '2',
          rates: 'GBP 1.50, EUR 1.70',
        })
      ).status,
    ).toBe(303);
    await buy(t, { lines: [{ pairsPerUnit: 1 }] }, '2025-03-10T18:00:00Z');
    await buy(t, { lines: [{ pairsPerUnit: 1 }] }, '2025-03-11T08:00:00Z');
    const sales = t.ctx.db
      .select()
      .from(ledgerEntries)
      .all()
      .map((e) => [e.trapWeeks, e.donationMinor]);
    expect(sales).toEqual([
      [1, 100],
      [2, 150],
    ]);
    const rules = (await admin.get('/admin/rules')).text;
    expect(rules).toMatch(/<td>2025-03-11<\/td><td class="num">2<\/td>\s*<td>EUR €1.70 · GBP £1.50<\/td>/);
    expect(rules).toMatch(/<td>2000-01-01<\/td>[\s\S]*?read-only/);
    const ruleId = t.ctx.database.sqlite
      .prepare("select id from conversion_rules where effective_on = '2025-03-11'")
      .pluck()
      .get();
    expect((await admin.post(`/admin/rules/${ruleId}/withdraw`)).text).toContain('Orders already use this rule');
  });

  it('a rule still to come can be withdrawn; one in force cannot', async () => {
    const t = appInMarch();
    const admin = await staffBrowser(t, 'admin');
    await admin.post('/admin/rules', { effectiveOn: '2025-04-01', trapWeeksPerPair: '1', rates: 'GBP 2.00' });
    const ids = t.ctx.database.sqlite
      .prepare('select id from conversion_rules order by effective_on')
      .pluck()
      .all() as number[];
    expect((await admin.post(`/admin/rules/${ids[1]}/withdraw`)).status).toBe(303);
    expect((await admin.post(`/admin/rules/${ids[0]}/withdraw`)).text).toContain('past rules are read-only');
    expect(t.ctx.database.sqlite.prepare('select count(*) from conversion_rules').pluck().get()).toBe(1);
  });
});

describe('census', () => {
  it('a draft changes nothing public until it is published', async () => {
    const t = appInMarch();
    const browser = await staffBrowser(t);
    const publicCensus = async () => (await t.http.get('/api/impact')).body.census;
    expect(await publicCensus()).toMatchObject({ date: '2024-01-01', total: 103 });
    expect(
      (
        await browser.post('/admin/census', {
          countedOn: '2025-02-28',
          adults: '90',
          adolescents: '8',
          cubs: '14',
          source: 'WildCats camera traps',
        })
      ).status,
    ).toBe(303);
    expect(await publicCensus()).toMatchObject({ date: '2024-01-01', total: 103 });
    const id = t.ctx.database.sqlite.prepare("select id from censuses where counted_on = '2025-02-28'").pluck().get();
    expect((await browser.post(`/admin/census/${id}/publish`)).status).toBe(303);
    expect(await publicCensus()).toEqual({ date: '2025-02-28', adults: 90, adolescents: 8, cubs: 14, total: 112 });
    expect((await browser.post(`/admin/census/${id}/publish`)).text).toContain('already published');
    expect(
      (
        await browser.post('/admin/census', {
          countedOn: '2025-04-01',
          adults: '1',
          adolescents: '0',
          cubs: '0',
          source: 'x',
        })
      ).text,
    ).toContain('cannot be in the future');
  });

  it('tells a census with no cubs and no adolescents from a head count only', async () => {
    const t = appInMarch();
    const browser = await staffBrowser(t);
    const publish = async (countedOn: string, fields: Record<string, string>) => {
      expect(
        (await browser.post('/admin/census', { countedOn, source: 'WildCats camera traps', ...fields })).status,
      ).toBe(303);
      const id = t.ctx.database.sqlite.prepare('select id from censuses where counted_on = ?').pluck().get(countedOn);
      expect((await browser.post(`/admin/census/${id}/publish`)).status).toBe(303);
    };
    const latestOnHome = async () =>
      decodeEntities(
        (await t.http.get('/')).text
          .match(/<table class="census-table">[\s\S]*?<\/table>/)![0]
          .replace(/<[^>]+>/g, ' ')
          .replace(/\s+/g, ' '),
      );

    await publish('2025-01-10', { adults: '95', adolescents: '0', cubs: '0' }); // a bad year: none born, none growing up
    expect(await latestOnHome()).toContain('10 January 2025 95 95 adults, 0 adolescents, 0 cubs');
    await publish('2025-02-10', { adults: '97', adolescents: '', cubs: '' }); // a quick head count
    expect(await latestOnHome()).toContain('10 February 2025 97 not recorded');
    expect((await t.http.get('/api/impact')).body.census).toEqual({
      date: '2025-02-10',
      adults: 97,
      adolescents: 0,
      cubs: 0,
      total: 97,
    });

    const half = await browser.post('/admin/census', {
      countedOn: '2025-02-20',
      adults: '90',
      adolescents: '3',
      cubs: '',
      source: 'x',
    });
    expect(decodeEntities(half.text)).toContain(
      'Give both adolescents and cubs (0 if there were none), or leave both empty for a head count only.',
    );
    expect(
      t.ctx.database.sqlite.prepare("select count(*) from censuses where counted_on = '2025-02-20'").pluck().get(),
    ).toBe(0);
  });
});
