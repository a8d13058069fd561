import { describe, expect, it } from 'vitest';
import { asc, desc } from 'drizzle-orm';
import { orders } from '../../src/db/schema/index.js';
import { checkoutSession, purchase, stripeEvent } from '../helpers/stripe-events.js';
import { decodeEntities, html, textOf as rawTextOf, type HtmlElement } from '../helpers/html.js';
import { staffBrowser, type StaffBrowser } from '../helpers/staff-console.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';
import { TestClock } from '../helpers/test-clock.js';
import { parseCsv } from './csv.js';

const at = (iso: string) => Date.parse(iso);
const textOf = (el: HtmlElement) => decodeEntities(rawTextOf(el));
const seconds = (iso: string) => Math.floor(at(iso) / 1000);

/** 110 paid orders: recorded in three batches at the same instant each, at three prices (ties in every sort). */
async function shopWithTies(): Promise<TestApp> {
  const clock = new TestClock(at('2025-03-10T12:00:00Z'));
  const t = createTestApp({ clock });
  for (let i = 0; i < 110; i++) {
    if (i % 40 === 0) clock.advance(60_000);
    const session = checkoutSession({ lines: [{ pairsPerUnit: 1, unitAmountMinor: [1200, 2400, 3600][i % 3] }] });
    await t.deliver(stripeEvent('checkout.session.completed', session));
  }
  await t.settle();
  return t;
}

/** The month of the latest payment, and its orders' ids newest first (the paid sort's order). */
function latestMonthPaid(t: TestApp): { month: string; ids: number[] } {
  const o = orders;
  const paid = t.ctx.db.select({ id: o.id, paidAt: o.paidAt }).from(o).orderBy(desc(o.paidAt), desc(o.id)).all();
  const month = new Date(paid[0]!.paidAt!).toISOString().slice(0, 7);
  return { month, ids: paid.filter((r) => new Date(r.paidAt!).toISOString().startsWith(month)).map((r) => r.id) };
}

const pagerLink = (text: string, rel: 'next' | 'prev' | 'first') => {
  const link = html(text).selectAll(`a[rel=${rel}]`)[0];
  return link ? decodeEntities(link.attrs.href!) : null;
};
const orderIds = (text: string) =>
  html(text)
    .rows('table#orders tbody tr')
    .map((cells) => Number(cells[0]));

/** Every page from `url` on, following one kind of link; each page's ids. */
async function follow(browser: StaffBrowser, url: string, rel: 'next' | 'prev'): Promise<number[][]> {
  const pages: number[][] = [];
  for (let next: string | null = url; next;) {
    const res = await browser.get(next);
    expect(res.status).toBe(200);
    pages.push(orderIds(res.text));
    next = pagerLink(res.text, rel);
  }
  return pages;
}

describe('the console’s order list', () => {
  it('pages forwards and back through ties in every sort, each row once, in the sort’s order', async () => {
    const t = await shopWithTies();
    const browser = await staffBrowser(t);
    const o = orders;
    const expected = {
      created: t.ctx.db.select({ id: o.id }).from(o).orderBy(desc(o.createdAt), desc(o.id)).all(),
      'amount&dir=asc': t.ctx.db.select({ id: o.id }).from(o).orderBy(asc(o.amountTotalMinor), asc(o.id)).all(),
      paid: t.ctx.db.select({ id: o.id }).from(o).orderBy(desc(o.paidAt), desc(o.id)).all(),
    };
    for (const [sort, rows] of Object.entries(expected)) {
      const ids = rows.map((r) => r.id);
      const forwards = await follow(browser, `/admin/orders?sort=${sort}`, 'next');
      expect(forwards.map((p) => p.length)).toEqual([50, 50, 10]);
      expect(forwards.flat()).toEqual(ids);

      const lastPage = await browser.get(`/admin/orders?sort=${sort}`).then(async (first) => {
        const second = await browser.get(pagerLink(first.text, 'next')!);
        return pagerLink(second.text, 'next')!;
      });
      const backwards = await follow(browser, lastPage, 'prev');
      expect(backwards.map((p) => p.length)).toEqual([10, 50, 50]);
      expect(backwards.reverse().flat()).toEqual(ids);
    }
  });

  it('pages through one month of payments both ways', async () => {
    const t = await shopWithTies();
    const browser = await staffBrowser(t);
    const { month, ids } = latestMonthPaid(t);
    expect(ids.length).toBeGreaterThan(50);

    const forwards = await follow(browser, `/admin/orders?month=${month}`, 'next');
    expect(forwards.flat()).toEqual(ids);
    const firstPage = (await browser.get(`/admin/orders?month=${month}`)).text;
    const [second, first] = await follow(browser, pagerLink(firstPage, 'next')!, 'prev');
    expect([...first!, ...second!]).toEqual(ids.slice(0, 50 + second!.length));
  });

  it('starts from the first page when a link’s cursor lies outside its month, or has less than a page before it', async () => {
    const t = await shopWithTies();
    const browser = await staffBrowser(t);
    const { month, ids } = latestMonthPaid(t);
    // A cursor from before the month (a link edited by hand, or kept from another filter).
    const outside = await browser.get(
      `/admin/orders?month=${month}&after=${Date.parse(`${month}-01T00:00:00Z`) - 1}.1`,
    );
    expect(orderIds(outside.text)).toEqual(ids.slice(0, 50));

    // Going back from a page whose earlier rows have left the list since: less than a page lies
    // before the cursor, so the first page is shown, with the way on and no way back.
    const all = t.ctx.db
      .select({ id: orders.id, at: orders.createdAt })
      .from(orders)
      .orderBy(desc(orders.createdAt), desc(orders.id))
      .all();
    const back = await browser.get(`/admin/orders?before=${all[2]!.at}.${all[2]!.id}`);
    expect(orderIds(back.text)).toEqual(all.slice(0, 50).map((r) => r.id));
    expect(pagerLink(back.text, 'prev')).toBeNull();
    expect(pagerLink(back.text, 'next')).not.toBeNull();
  });

  it('keeps the filters and the sort in every link: pages, headers, the CSV and the form', async () => {
    const t = await shopWithTies();
    const browser = await staffBrowser(t);
    const page = await browser.get('/admin/orders?status=paid&sort=amount&dir=asc');
    const doc = html(page.text);
    const next = new URL(pagerLink(page.text, 'next')!, 'http://x');
    expect(Object.fromEntries(next.searchParams)).toEqual({
      status: 'paid',
      sort: 'amount',
      dir: 'asc',
      // 37 orders at £12, so the first page of 50 ends among the £24 ones.
      after: expect.stringMatching(/^2400\.\d+$/),
    });
    expect(decodeEntities(doc.select('a#orders-csv').attrs.href!)).toBe(
      '/admin/orders.csv?status=paid&sort=amount&dir=asc',
    );
    const amount = doc.select('th[aria-sort=ascending]');
    expect(textOf(amount)).toMatch(/^Amount/);
    expect(decodeEntities(doc.select('th[aria-sort=ascending] a').attrs.href!)).toBe(
      '/admin/orders?status=paid&sort=amount',
    );
    expect(doc.selectAll('th[aria-sort]')).toHaveLength(1);
    expect(doc.select('select#status option[selected]').attrs.value).toBe('paid');
    expect(doc.select('input[name=sort]').attrs.value).toBe('amount');

    const second = await browser.get(pagerLink(page.text, 'next')!);
    expect(decodeEntities(html(second.text).select('a[rel=first]').attrs.href!)).toBe(
      '/admin/orders?status=paid&sort=amount&dir=asc',
    );
  });

  it('downloads exactly the filtered orders, every page of them, in the sort’s order', async () => {
    const clock = new TestClock(at('2025-03-10T12:00:00Z'));
    const t = createTestApp({ clock });
    const paidIn = async (iso: string, email: string, unitAmountMinor: number) => {
      const p = purchase({ email, lines: [{ pairsPerUnit: 2, unitAmountMinor }] });
      await t.deliver(stripeEvent('checkout.session.completed', p.session, { createdSeconds: seconds(iso) }));
      return p;
    };
    const feb1 = await paidIn('2025-02-03T10:00:00Z', '=cmd@example.org', 1200);
    await paidIn('2025-01-20T10:00:00Z', 'jan@example.org', 2400);
    const feb2 = await paidIn('2025-02-20T10:00:00Z', '-two@example.org', 3600);
    await t.settle();
    const browser = await staffBrowser(t);

    const res = await browser.get('/admin/orders.csv?month=2025-02&dir=asc');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).toBe('attachment; filename="orders.csv"');
    const rows = parseCsv(res.text);
    expect(rows.map((r) => r.checkout_session_id)).toEqual([feb1.session.id, feb2.session.id]);
    expect(rows.map((r) => [r.paid_at, r.amount_minor, r.currency, r.pairs, r.status, r.has_unmapped_lines])).toEqual([
      ['2025-02-03T10:00:00.000Z', '1200', 'GBP', '2', 'paid', 'false'],
      ['2025-02-20T10:00:00.000Z', '3600', 'GBP', '2', 'paid', 'false'],
    ]);
    // A spreadsheet would run these as formulas: defused with an apostrophe, as in every console CSV.
    expect(rows.map((r) => r.email)).toEqual(["'=cmd@example.org", "'-two@example.org"]);
  });

  it('downloads every page of a long list (more rows than one chunk of the export)', async () => {
    const t = await shopWithTies();
    const browser = await staffBrowser(t);
    const rows = parseCsv((await browser.get('/admin/orders.csv?sort=amount')).text);
    const o = orders;
    const ids = t.ctx.db.select({ id: o.id }).from(o).orderBy(desc(o.amountTotalMinor), desc(o.id)).all();
    expect(rows.map((r) => Number(r.order_id))).toEqual(ids.map((r) => r.id));
  });
});

describe('the console lists and parameters that make no sense', () => {
  const cases: [string, RegExp][] = [
    ['before=abc', /That page link was not understood, so this is the first page\./],
    ['after=99999999999999999999.1', /That page link was not understood/],
    ['after=1.99999999999999999', /That page link was not understood/],
    ['sort=bogus', /There is no sort “bogus”/],
    ['dir=sideways', /There is no dir “sideways”/],
    ['sort=a&sort=b', /“sort” was given more than once, so it is ignored\./],
  ];
  for (const list of ['/admin/orders', '/admin/events', '/admin/emails', '/admin/audit'])
    it(`${list} shows a note and the first page, never an error`, async () => {
      const t = createTestApp();
      const browser = await staffBrowser(t);
      for (const [query, note] of cases) {
        const res = await browser.get(`${list}?${query}`);
        expect(res.status, `${list}?${query}`).toBe(200);
        expect(textOf(html(res.text).select('#list-notes')), query).toMatch(note);
        const csv = await browser.get(`${list}.csv?${query}`);
        expect(csv.status, `${list}.csv?${query}`).toBe(200);
      }
    });

  it('names the filter values it ignores', async () => {
    const t = createTestApp();
    const browser = await staffBrowser(t);
    const notes = async (url: string) => textOf(html((await browser.get(url)).text).select('#list-notes'));
    expect(await notes('/admin/orders?month=2025-13')).toBe(
      'Months look like 2025-01, not “2025-13”, so that filter is ignored.',
    );
    expect(await notes('/admin/orders?status=lost')).toBe(
      'There is no status “lost” (choose from paid, open, unpaid, expired, failed), so it is ignored.',
    );
    expect(await notes('/admin/events?from=2025-02-30')).toBe(
      'Dates look like 2025-01-31, not “2025-02-30”, so that filter is ignored.',
    );
    expect(await notes('/admin/emails?state=sending&sort=sent')).toBe(
      'sending emails have no sent time, so they are sorted by when they were queued.',
    );
  });
});

describe('the console lists when they are empty', () => {
  it('says how orders arrive when there are none, and how to clear a filter that matches none', async () => {
    const t = createTestApp();
    const browser = await staffBrowser(t);
    const none = html((await browser.get('/admin/orders')).text);
    expect(none.text('#list-empty')).toContain('npm run cli -- simulate:purchase');
    expect(none.selectAll('table#orders')).toHaveLength(0);

    await t.deliver(stripeEvent('checkout.session.completed', checkoutSession({ lines: [{ pairsPerUnit: 1 }] })));
    await t.settle();
    const noMatch = html((await browser.get('/admin/orders?status=expired')).text);
    expect(noMatch.text('#list-empty')).toBe('No orders match these filters: clear the filters to see every order.');
    expect(noMatch.select('#list-empty a').attrs.href).toBe('/admin/orders');
    expect(html((await browser.get('/admin/events?type=charge.refunded')).text).text('#list-empty')).toBe(
      'No events match these filters: clear the filters to see every event.',
    );
  });

  it('says a sort that lists only paid orders matches none, rather than that there are no orders', async () => {
    const t = createTestApp();
    const browser = await staffBrowser(t);
    const unpaid = checkoutSession({ paymentStatus: 'unpaid', lines: [{ pairsPerUnit: 1 }] });
    await t.deliver(stripeEvent('checkout.session.completed', unpaid));
    await t.settle();
    expect(orderIds((await browser.get('/admin/orders')).text)).toHaveLength(1);
    const paidOnly = html((await browser.get('/admin/orders?sort=paid')).text);
    expect(paidOnly.text('#list-empty')).toBe('No orders match these filters: clear the filters to see every order.');
  });
});

describe('the other lists’ filters and downloads', () => {
  it('webhook events by type, and the audit log by actor, as pages and as CSV', async () => {
    const t = createTestApp();
    const admin = await staffBrowser(t, 'admin', 'boss@socks.test');
    await admin.post('/admin/settings/two-factor', { required: 'false' });
    for (let i = 0; i < 3; i++)
      await t.deliver(stripeEvent('checkout.session.completed', checkoutSession({ lines: [{ pairsPerUnit: 1 }] })));
    await t.deliver(stripeEvent('customer.created', { id: 'cus_1', object: 'customer' }));
    await t.settle();

    const events = parseCsv((await admin.get('/admin/events.csv?type=customer.created')).text);
    expect(events.map((e) => [e.type, e.status])).toEqual([['customer.created', expect.any(String)]]);
    const page = html((await admin.get('/admin/events?type=checkout.session.completed')).text);
    expect(page.rows('table#events tbody tr').map((cells) => cells[1])).toEqual(
      Array(3).fill('checkout.session.completed'),
    );

    const audit = parseCsv((await admin.get('/admin/audit.csv?actor=boss%40socks.test')).text);
    expect(new Set(audit.map((a) => a.actor))).toEqual(new Set(['boss@socks.test']));
    expect(audit.map((a) => a.action)).toContain('staff.sign_in');
    const setting = parseCsv((await admin.get('/admin/audit.csv?action=staff.sign_in')).text);
    expect(setting.length).toBeGreaterThan(0);
    expect(setting.every((a) => a.action === 'staff.sign_in')).toBe(true);
    const auditPage = html((await admin.get('/admin/audit?actor=nobody')).text);
    expect(auditPage.text('#list-empty')).toContain('clear the filters');
  });
});
