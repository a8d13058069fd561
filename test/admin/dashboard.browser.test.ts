import { describe, expect, it } from 'vitest';
import { appSendingTo, buy, smtpSink } from '../email/mail-test-kit.js';
import { checkPage, listen, openPage, signInOnPage, useChromium, BROWSER_TEST_MS } from '../helpers/browser.js';
import { addStaff, signInAs } from '../helpers/staff-console.js';
import { chargeRefunded, purchase, stripeEvent } from '../helpers/stripe-events.js';
import { TestClock } from '../helpers/test-clock.js';

const browser = useChromium();
const DAY = 86_400_000;
const START = Date.parse('2025-12-01T09:00:00Z');
/** A year of a shop's life takes a while to deliver on a shared machine; no claim about speed. */
const YEAR_OF_SALES_MS = 4 * BROWSER_TEST_MS;

describe('the dashboard with a year behind it, in a real browser', () => {
  it(
    'shows the charts at 1280, 768 and 360 px without sideways scrolling, passes axe, is saved for the README, and leads to the month to close',
    async () => {
      const sink = await smtpSink();
      const t = appSendingTo(sink, {
        clock: new TestClock(START),
        env: { DONATION_PER_PAIR: 'GBP:150' },
      });
      // Sales that rise towards winter, a receipt each, a refund every tenth order, and the
      // donation paid at each quarter's end.
      let orderNumber = 0;
      for (let week = 0; week < 52; week++) {
        const weekStart = START + week * 7 * DAY;
        const sales = 1 + Math.round(2 + 2 * Math.cos(((week - 2) / 52) * 2 * Math.PI));
        for (let i = 0; i < sales; i++) {
          t.clock.advance(weekStart + i * DAY - t.clock.now());
          orderNumber++;
          if (orderNumber % 10 === 0) {
            const p = purchase({ email: `buyer${orderNumber}@example.org`, lines: [{ pairsPerUnit: 2 }] });
            const paid = Math.floor(t.clock.now() / 1000);
            await t.deliver(stripeEvent('checkout.session.completed', p.session, { createdSeconds: paid }));
            await t.deliver(chargeRefunded(p, p.amount, paid + 3 * 86_400));
            await t.settle();
          } else {
            await buy(t, {
              email: `buyer${orderNumber}@example.org`,
              pairs: 1 + (orderNumber % 3),
              paidAt: t.clock.now(),
            });
          }
        }
        await t.ctx.mail.outbox.drain();
      }
      await addStaff(t, { email: 'ana@socks.test', role: 'admin' });
      const staff = await signInAs(t, 'ana@socks.test');
      const payments: [string, string][] = [
        ['2026-03-31', '120.00'],
        ['2026-06-30', '110.00'],
        ['2026-09-30', '95.50'],
      ];
      for (const [paidOn, amount] of payments)
        await staff
          .post('/admin/donations', { paidOn, amount, currency: 'GBP', reference: `BACS ${paidOn}` })
          .expect(303);

      const server = await listen(t);
      try {
        for (const width of [1280, 768, 360]) {
          const { page, problems } = await openPage(browser, width);
          await signInOnPage(page, server.base, 'ana@socks.test');
          // A bar for every week of the year, and both email charts, drawn.
          expect(await page.locator('#weekly-sales-chart svg .chart-bar-sold').count()).toBe(
            await page.locator('[aria-labelledby=weekly-sales-caption] tbody tr').count(),
          );
          expect(await page.locator('[aria-labelledby=weekly-sales-caption] tbody tr').count()).toBeGreaterThanOrEqual(
            52,
          );
          expect(await page.locator('#email-chart svg').count()).toBe(2);
          // 156 orders of 1–3 pairs; every tenth (15 of them, 2 pairs each) refunded in full.
          expect(await page.locator('#weekly-sales-chart figcaption').textContent()).toContain(
            '312 pairs sold, 30 refunded and 0 reversed by disputes; 282 trap-weeks funded, net.',
          );
          await checkPage(page, 'dashboard-year', width);
          if (width === 1280) await page.screenshot({ path: 'test-artifacts/screenshots/dashboard-readme.png' });
          expect(problems).toEqual([]);
          await page.close();
        }

        // Month end from the dashboard: its first attention item leads to the month to close.
        const { page, problems } = await openPage(browser, 1280);
        await signInOnPage(page, server.base, 'ana@socks.test');
        await page
          .getByRole('link', { name: /months have ended and are not closed: close December 2025 first/ })
          .click();
        await page.waitForURL(`${server.base}/admin/reconciliation/2025-12`);
        await page.getByRole('button', { name: 'Close 2025-12' }).click();
        await page.getByText('Nothing can be booked into it any more.').waitFor();
        await page.getByRole('link', { name: 'Dashboard' }).click();
        await page.waitForURL(`${server.base}/admin`);
        expect(await page.locator('#attention').textContent()).toContain(
          '10 months have ended and are not closed: close January 2026 first',
        );
        expect(problems).toEqual([]);
      } finally {
        await server.stop();
      }
    },
    YEAR_OF_SALES_MS,
  );
});
