import { desc, eq } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { emailOutbox } from '../../src/db/schema/index.js';
import { findSupporterByEmail } from '../../src/supporters/supporters.queries.js';
import { BROWSER_TEST_MS, checkPage, listen, openPage, useChromium } from '../helpers/browser.js';
import { importPark } from '../helpers/camtrap-park.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';
import { buy, refund } from './shoppers.js';

/**
 * The pages in a real browser (Debian's chromium, driven by playwright-core), with the app's own
 * Content-Security-Policy in force: a shopper asks for their link, follows it, changes their email
 * setting and replaces the link, unsubscribes and subscribes again; every page, the error pages
 * included, is checked at phone and desktop widths, with axe-core.
 */

const WIDTHS = [360, 1280] as const;
const browser = useChromium();
let t: TestApp;
let base: string;
let server: Awaited<ReturnType<typeof listen>>;

/** A fresh app with a few purchases, served on a free port (test-app closes it after each test). */
async function startApp(): Promise<void> {
  t = createTestApp();
  server = await listen(t);
  base = server.base;
  await buy(t, {
    email: 'ada@example.org',
    name: 'Ada Lovelace',
    pairsPerUnit: 3,
    quantity: 2,
    createdSeconds: Date.UTC(2026, 0, 10) / 1000,
  });
  const refunded = await buy(t, {
    email: 'ada@example.org',
    name: 'Ada Lovelace',
    pairsPerUnit: 1,
    createdSeconds: Date.UTC(2026, 1, 2) / 1000,
  });
  await refund(t, refunded, refunded.amount);
  await buy(t, { email: 'grace@example.org', pairsPerUnit: 5, quantity: 20 });
  await t.settle();
}

/** The path of the link in the newest "your impact link" email in the outbox. */
function linkFromOutbox(): string {
  const [email] = t.ctx.db
    .select()
    .from(emailOutbox)
    .where(eq(emailOutbox.kind, 'impact_link'))
    .orderBy(desc(emailOutbox.id))
    .limit(1)
    .all();
  const link = email && /http:\/\/socks\.test(\/impact\/[A-Za-z0-9_-]+)/.exec(email.textBody);
  if (!link) throw new Error('no impact link email in the outbox');
  return link[1]!;
}

describe('the shopper pages in a real browser', () => {
  beforeEach(startApp, 60_000);
  afterEach(() => server.stop());

  it.each(WIDTHS)(
    'shows the public page at %ipx',
    async (width) => {
      const { page, problems } = await openPage(browser, width);
      await page.goto(`${base}/`);

      expect(await page.locator('[data-figure=trap-weeks] .figure-value').textContent()).toBe('106');
      expect(await page.locator('figure.chart svg circle').count()).toBe(2);
      await checkPage(page, 'home', width);
      expect(problems).toEqual([]);
      await page.close();
    },
    BROWSER_TEST_MS,
  );

  it(
    'keeps a big figure on one line, inside its card, on a phone',
    async () => {
      await buy(t, { email: 'wholesale@example.org', pairsPerUnit: 1_000, quantity: 12_345 });
      await t.settle();
      const { page, problems } = await openPage(browser, 360);
      await page.goto(`${base}/`);

      expect(await page.locator('[data-figure=pairs] .figure-value').textContent()).toBe('12,345,106');
      const figures = await page.evaluate(() =>
        [...document.querySelectorAll<HTMLElement>('.figure-value')].map((el) => ({
          text: el.textContent,
          lines: Math.round(el.getBoundingClientRect().height / parseFloat(getComputedStyle(el).lineHeight)),
          overflows:
            el.scrollWidth > el.clientWidth ||
            el.getBoundingClientRect().right > el.parentElement!.getBoundingClientRect().right,
        })),
      );
      expect(figures.length).toBeGreaterThanOrEqual(4);
      expect(figures.filter((figure) => figure.lines !== 1 || figure.overflows)).toEqual([]);
      expect(problems).toEqual([]);
      await page.close();
    },
    BROWSER_TEST_MS,
  );

  it.each(WIDTHS)(
    "shows the park's camera-weeks and the share sock buyers funded, figures the size of a year of the park's cameras, at %ipx",
    async (width) => {
      // Four weeks in December 2025; then 400 cameras, each 52 weeks of 2026, and 16,106 trap-weeks bought.
      await buy(t, {
        email: 'wholesale@example.org',
        pairsPerUnit: 1_000,
        quantity: 16,
        createdSeconds: Date.UTC(2026, 0, 2) / 1000,
      });
      await t.settle();
      const cameras = Array.from({ length: 400 }, (_, i) => ({
        id: `C-${i}`,
        locationName: `Camera ${i}`,
        startDay: 35,
        days: 364,
      }));
      await importPark(t, {
        firstDay: Date.UTC(2025, 11, 1),
        deployments: [{ id: 'KP-00', locationName: 'Kedrovaya Pad', startDay: 0, days: 28 }, ...cameras],
        events: [],
      });
      const { page, problems } = await openPage(browser, width);
      await page.goto(`${base}/`);

      expect(await page.locator('[data-share=headline]').textContent()).toBe(
        'Sock buyers funded 16,106 of the 20,800 camera-weeks the park ran in 2026.',
      );
      expect(await page.locator('figure.chart-share text.chart-value').allTextContents()).toEqual([
        '0 of 4',
        '16,106 of 20,800',
      ]);
      // Each row's year and its figures sit side by side inside the chart, never on top of each other.
      const rows = await page.evaluate(() => {
        const box = (el: Element) => el.getBoundingClientRect();
        const chart = box(document.querySelector('figure.chart-share svg')!);
        const years = [...document.querySelectorAll('figure.chart-share text.chart-axis')].map(box);
        const values = [...document.querySelectorAll('figure.chart-share text.chart-value')].map(box);
        return years.map(
          (year, i) => year.left >= chart.left && year.right < values[i]!.left && values[i]!.right <= chart.right,
        );
      });
      expect(rows).toEqual([true, true]);
      await checkPage(page, 'home-camera-weeks', width);
      expect(problems).toEqual([]);
      await page.close();
    },
    BROWSER_TEST_MS,
  );

  it.each(WIDTHS)(
    'asks for a link, follows it and changes the email setting at %ipx',
    async (width) => {
      const { page, problems } = await openPage(browser, width);
      await page.goto(`${base}/`);
      await page.getByLabel('The email address you used at checkout').fill('Ada@Example.org');
      await page.getByRole('button', { name: 'Email me my link' }).click();
      await expect
        .poll(() => page.locator('[role=status]').textContent())
        .toContain('If we know this address, a link to your own impact page is on its way.');
      await checkPage(page, 'lookup-sent', width);

      // The link the shopper gets by email, as the outbox holds it.
      await expect
        .poll(() => t.ctx.db.select().from(emailOutbox).where(eq(emailOutbox.kind, 'impact_link')).all().length)
        .toBe(1);
      const linkPath = linkFromOutbox();
      expect(linkPath).toBe(`/impact/${findSupporterByEmail(t.ctx.db, 'ada@example.org')!.token}`);
      await page.goto(`${base}${linkPath}`);
      expect(await page.locator('h1').textContent()).toBe('Thank you, Ada Lovelace');
      expect(await page.locator('[data-figure=trap-weeks] .figure-value').textContent()).toBe('6');
      expect(await page.locator('tr[data-status=refunded]').count()).toBe(1);
      await checkPage(page, 'impact', width);

      await page.getByRole('button', { name: 'Stop the monthly email' }).click();
      await expect.poll(() => page.locator('.notice').textContent()).toContain('no more monthly emails');
      expect(findSupporterByEmail(t.ctx.db, 'ada@example.org')!.isSubscribed).toBe(false);
      await checkPage(page, 'impact-email-off', width);
      await page.getByRole('button', { name: 'Send me the monthly email' }).click();
      await expect
        .poll(() => page.locator('.notice').textContent())
        .toContain('we will send you the monthly impact email');
      expect(findSupporterByEmail(t.ctx.db, 'ada@example.org')!.isSubscribed).toBe(true);

      // The same page open in a second tab, whose button is pressed after the first one's.
      const { page: secondTab, problems: secondTabProblems } = await openPage(browser, width);
      await secondTab.goto(`${base}${linkPath}`);
      await page.getByRole('button', { name: 'Replace my link' }).click();
      await expect.poll(() => page.locator('.notice').textContent()).toContain('this is your new link');
      const newToken = findSupporterByEmail(t.ctx.db, 'ada@example.org')!.token;
      expect(new URL(page.url()).pathname).toBe(`/impact/${newToken}`);
      await secondTab.getByRole('button', { name: 'Replace my link' }).click();
      await expect.poll(() => secondTab.locator('h1').textContent()).toBe('Your link was already replaced');
      expect(await secondTab.locator('main').textContent()).toContain('we have emailed it to a***@example.org');
      await checkPage(secondTab, 'link-already-replaced', width);
      expect(secondTabProblems).toEqual([]);
      await secondTab.close();
      expect(findSupporterByEmail(t.ctx.db, 'ada@example.org')!.token).toBe(newToken);
      expect(linkFromOutbox()).toBe(`/impact/${newToken}`);
      const old = await page.goto(`${base}${linkPath}`);
      expect(old?.status()).toBe(404);
      await checkPage(page, 'not-found', width);
      expect(problems.filter((p) => !p.includes('404'))).toEqual([]);
      await page.close();
    },
    BROWSER_TEST_MS,
  );

  it.each(WIDTHS)(
    'unsubscribes from the link in an email, then subscribes again, at %ipx',
    async (width) => {
      const { page, problems } = await openPage(browser, width);
      const isSubscribed = () => findSupporterByEmail(t.ctx.db, 'ada@example.org')!.isSubscribed;
      await page.goto(`${base}/unsubscribe/${findSupporterByEmail(t.ctx.db, 'ada@example.org')!.token}`);
      expect(await page.locator('h1').textContent()).toBe('The monthly impact email');
      expect(isSubscribed()).toBe(true); // opening the link changes nothing
      await checkPage(page, 'unsubscribe', width);

      await page.getByRole('button', { name: 'Unsubscribe from the monthly email' }).click();
      await expect.poll(() => page.locator('h1').textContent()).toBe('You are unsubscribed');
      expect(isSubscribed()).toBe(false);
      await checkPage(page, 'unsubscribed', width);

      await page.getByRole('button', { name: 'Send me the monthly email again' }).click();
      await expect.poll(() => page.locator('h1').textContent()).toBe('You are subscribed again');
      expect(isSubscribed()).toBe(true);
      await checkPage(page, 'resubscribed', width);
      expect(problems).toEqual([]);
      await page.close();
    },
    BROWSER_TEST_MS,
  );

  it.each(WIDTHS)(
    'shows the error page in the same style when something breaks, at %ipx',
    async (width) => {
      const { page, problems } = await openPage(browser, width);
      t.ctx.database.close(); // every query now fails
      const res = await page.goto(`${base}/`);
      expect(res?.status()).toBe(500);
      expect(await page.locator('h1').textContent()).toBe('Something went wrong');
      await checkPage(page, 'server-error', width);
      expect(problems.filter((p) => !p.includes('500'))).toEqual([]);
      await page.close();
    },
    BROWSER_TEST_MS,
  );

  it.each(WIDTHS)(
    'explains a mistyped address on the lookup page at %ipx',
    async (width) => {
      const { page, problems } = await openPage(browser, width);
      await page.goto(`${base}/impact/lookup`);
      await checkPage(page, 'lookup', width);
      // The browser's own check stops "not-an-address"; one it lets through still gets our message.
      await page.getByLabel('The email address you used at checkout').fill('ada@localhost');
      await page.getByRole('button', { name: 'Email me my link' }).click();
      await expect
        .poll(() => page.locator('.field-error').textContent())
        .toContain('Please enter the email address you used at checkout');
      await checkPage(page, 'lookup-error', width);
      expect(problems.filter((p) => !p.includes('400'))).toEqual([]);
      await page.close();
    },
    BROWSER_TEST_MS,
  );
});
