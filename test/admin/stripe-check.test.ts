import { describe, expect, it } from 'vitest';
import { periodOf } from '../../src/lib/months.js';
import { staffBrowser } from '../helpers/staff-console.js';
import { DAY_SECONDS, openShop } from '../helpers/stripe-shop.js';
import { parseCsv } from './csv.js';

describe('the month checked against Stripe, in the console', () => {
  it('checks in the background, shows and downloads the differences, and fixes them from Stripe under the staff member’s name', async () => {
    const shop = await openShop({ pageSize: 2 });
    const sales = [1, 2, 3].map((pairs, i) =>
      shop.sell({ lines: [{ pairsPerUnit: pairs }], createdSeconds: shop.nowSeconds() - 40 * DAY_SECONDS + i }),
    );
    await shop.t.deliver(sales[0]!.event); // the one webhook that got through
    await shop.t.settle();
    const period = periodOf(sales[0]!.session.created * 1000);
    const browser = await staffBrowser(shop.t, 'staff');
    const page = () => browser.get(`/admin/reconciliation/${period}/stripe`);

    expect((await page()).text).toContain(`Check ${period} against Stripe`);
    expect((await browser.agent.post(`/admin/reconciliation/${period}/stripe`).type('form').send({})).status).toBe(403);
    expect((await browser.post(`/admin/reconciliation/${period}/stripe`)).status).toBe(303);
    await expect.poll(async () => (await page()).text).toContain('2 differences');

    const checked = (await page()).text;
    for (const sale of sales.slice(1)) expect(checked).toContain(sale.session.id);
    expect(checked).toContain('paid in Stripe, missing here');
    const csv = parseCsv((await browser.get(`/admin/reconciliation/${period}/stripe.csv`)).text);
    expect(
      csv
        .filter((row) => row.row === 'difference')
        .map((row) => row.id)
        .sort(),
    ).toEqual(
      sales
        .slice(1)
        .map((s) => s.session.id)
        .sort(),
    );
    expect(csv.find((row) => row.row === 'total' && row.kind === 'paid')).toMatchObject({
      currency: 'GBP',
      stripe_state: '3',
      stripe_minor: '3600',
      ledger_state: '1',
      ledger_minor: '1200',
    });
    expect(shop.count('select count(*) as n from orders')).toBe(1); // checking wrote nothing

    expect((await browser.post(`/admin/reconciliation/${period}/stripe/apply`)).status).toBe(303);
    await expect.poll(async () => (await page()).text).toContain('Recovered 2 from Stripe');
    await shop.t.settle();

    expect(shop.t.totals().pairs).toBe(6);
    expect(
      shop.count(`select count(*) as n from audit_log where action = 'stripe.recover' and actor = 'staff@socks.test'`),
    ).toBe(2);
    expect((await browser.post(`/admin/reconciliation/${period}/stripe`)).status).toBe(303);
    await expect.poll(async () => (await page()).text).toContain('Stripe and the ledger agree.');
  });

  it('says so when Stripe refuses the check, and fixes nothing without a finished check', async () => {
    const shop = await openShop();
    shop.stripe.forbidden.add('checkout/sessions');
    const browser = await staffBrowser(shop.t, 'staff');
    const period = periodOf(shop.t.clock.now());

    expect((await browser.post(`/admin/reconciliation/${period}/stripe/apply`)).status).toBe(404);
    await browser.post(`/admin/reconciliation/${period}/stripe`);
    await expect
      .poll(async () => (await browser.get(`/admin/reconciliation/${period}/stripe`)).text)
      .toContain('The check stopped: STRIPE_SECRET_KEY may not list checkout sessions');
    expect((await browser.get(`/admin/reconciliation/${period}/stripe.csv`)).headers.location).toBe(
      `/admin/reconciliation/${period}/stripe`,
    );
  });
});
