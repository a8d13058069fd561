import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { periodOf } from '../../src/lib/months.js';
import { BROWSER_TEST_MS, listen, useChromium } from '../helpers/browser.js';
import { purchase, stripeEvent } from '../helpers/stripe-events.js';
import { addStaff, STAFF_PASSWORD } from '../helpers/staff-console.js';
import { createTestApp } from '../helpers/test-app.js';
import { parseCsv } from './csv.js';

const browser = useChromium();

describe('the staff console in a real browser', () => {
  it(
    'signs in, maps a product, records a donation and exports the month that adds up',
    async () => {
      const t = createTestApp();
      const server = await listen(t);
      try {
        // One order: a mapped pair and two gift boxes nobody has mapped yet.
        const gift = purchase({
          lines: [
            { pairsPerUnit: 1 },
            { priceId: 'price_gift_box', productId: 'prod_gift_box', quantity: 2, description: 'Gift box' },
          ],
        });
        await t.deliver(
          stripeEvent('checkout.session.completed', gift.session, { createdSeconds: Math.floor(t.clock.now() / 1000) }),
        );
        await t.settle();
        await addStaff(t, { email: 'kit@socks.test', role: 'staff' });
        const month = periodOf(t.clock.now());

        const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
        page.setDefaultTimeout(60_000); // a shared machine can be slow; this is no claim about speed
        const problems: string[] = [];
        page.on('console', (msg) => {
          if (msg.type() === 'error' || msg.type() === 'warning') problems.push(msg.text());
        });
        page.on('pageerror', (error) => problems.push(error.message));

        await page.goto(`${server.base}/admin/orders`);
        expect(new URL(page.url()).pathname).toBe('/admin/login');
        await page.getByLabel('Email').fill('kit@socks.test');
        await page.getByLabel('Password').fill(STAFF_PASSWORD);
        await page.getByRole('button', { name: 'Sign in' }).click();
        await page.waitForURL(`${server.base}/admin/orders`);
        expect(await page.evaluate(() => getComputedStyle(document.querySelector('main')!).maxWidth)).toBe('1280px'); // the console stylesheet loaded under the CSP

        await page.getByRole('link', { name: gift.session.id }).click();
        expect(await page.locator('#order-pairs strong').textContent()).toBe('1');
        const orderUrl = page.url();

        await page.goto(`${server.base}/admin/products`);
        const row = page.locator('#unmapped tr', { hasText: 'price_gift_box' });
        await row.getByLabel('pairs per unit').fill('3');
        await row.getByRole('button', { name: 'Map' }).click();
        await page.waitForURL(/\/admin\/products\?saved=/);
        expect(await page.locator('#unmapped').textContent()).toContain('Every line item is mapped.');
        await page.goto(orderUrl);
        expect(await page.locator('#order-pairs strong').textContent()).toBe('7');

        await page.goto(`${server.base}/admin/donations`);
        expect(await page.locator('[data-currency=GBP]').textContent()).toBe('£7.00');
        await page.getByLabel('Amount').fill('2.50');
        await page.getByLabel('Reference').fill('BACS 2025-001');
        await page.getByRole('button', { name: 'Record payment' }).click();
        await expect.poll(() => page.locator('#payments').textContent()).toContain('BACS 2025-001'); // the page after the post
        expect(await page.locator('[data-currency=GBP]').textContent()).toBe('£4.50');

        await page.goto(`${server.base}/admin/reconciliation/${month}`);
        const [summary] = await Promise.all([
          page.waitForEvent('download'),
          page.getByRole('link', { name: 'summary CSV' }).click(),
        ]);
        expect(summary.suggestedFilename()).toBe(`reconciliation-${month}.csv`);
        const rows = parseCsv(fs.readFileSync((await summary.path())!, 'utf8'));
        expect(rows).toEqual([
          {
            currency: 'GBP',
            opening_minor: '0',
            accrued_minor: '700',
            reversed_minor: '0',
            paid_minor: '250',
            closing_minor: '450',
            month,
            status: 'open',
            late_entries: '0',
            late_minor: '0',
          },
        ]);
        const [ledger] = await Promise.all([
          page.waitForEvent('download'),
          page.getByRole('link', { name: /ledger lines as CSV/ }).click(),
        ]);
        const lines = parseCsv(fs.readFileSync((await ledger.path())!, 'utf8'));
        expect(lines.map((l) => [l.kind, l.donation_minor])).toEqual([
          ['sale', '100'],
          ['adjustment', '600'],
          ['donation_paid', '-250'],
        ]);
        expect(problems).toEqual([]);
        await page.close();
      } finally {
        await server.stop();
      }
    },
    BROWSER_TEST_MS,
  );
});
