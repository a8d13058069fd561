import { describe, expect, it } from 'vitest';
import { emailOutbox, orders, stripeEvents, supporters } from '../../src/db/schema/index.js';
import { periodOf } from '../../src/lib/months.js';
import { checkPage, listen, openPage, signInOnPage, useChromium } from '../helpers/browser.js';
import { addStaff } from '../helpers/staff-console.js';
import { checkoutCompleted } from '../helpers/stripe-events.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';
import { consoleRoutes, PUBLIC_CONSOLE_PATHS } from './console-routes.js';

const browser = useChromium();
/** Every console page, twice, in a real browser on a shared machine: generous, and never a claim about speed. */
const ALL_PAGES_MS = 600_000;
/** The console is for desks and laptops first, and stays usable on a tablet. */
const WIDTHS = [1280, 768] as const;
/** Pages that need a camera-trap import to exist: camera-data.browser.test.ts checks them with one. */
const NEEDS_IMPORT = /^\/admin\/camera-data\/(uploads|imports|projects)\//;
/** Answers that are not pages: an email's HTML on its own, CSV and data downloads. */
const NOT_A_PAGE = /\.(csv|html)$|\/(html|export)$/;

/** Each console page's URL, with real records behind its parameters. */
function pageUrls(t: TestApp): string[] {
  const order = t.ctx.db.select().from(orders).get()!;
  const event = t.ctx.db.select().from(stripeEvents).get()!;
  const email = t.ctx.db.select().from(emailOutbox).get()!;
  const supporter = t.ctx.db.select().from(supporters).get()!;
  const month = periodOf(t.clock.now());
  const ids: Record<string, string> = { period: month, eventId: event.id };
  const idFor = (path: string) =>
    path.startsWith('/admin/orders/')
      ? String(order.id)
      : path.startsWith('/admin/emails/')
        ? String(email.id)
        : path.startsWith('/admin/supporters/')
          ? String(supporter.id)
          : path.startsWith('/admin/staff/')
            ? '1'
            : '1';
  return consoleRoutes(t)
    .filter((r) => r.method === 'get' && !PUBLIC_CONSOLE_PATHS.includes(r.path))
    .filter((r) => !NEEDS_IMPORT.test(r.path) && !NOT_A_PAGE.test(r.path))
    .map((r) => r.path.replace(/:(\w+)/g, (_m, name: string) => ids[name] ?? idFor(r.path)))
    .concat(LIST_VARIANTS);
}

/** The lists filtered and sorted (a sorted header, kept filters), matching nothing, and with a note about a bad value. */
const LIST_VARIANTS = [
  '/admin/orders?status=paid&sort=amount&dir=asc',
  '/admin/orders?status=expired',
  '/admin/events?status=processed&sort=created',
  '/admin/emails?kind=receipt&sort=sent',
  '/admin/audit?dir=asc&actor=nobody&before=abc',
];

describe('every console page in a real browser', () => {
  it(
    'fits 1280 and 768 px without sideways scrolling and passes axe, with a screenshot of each',
    async () => {
      const t = createTestApp();
      const server = await listen(t);
      try {
        await t.deliver(checkoutCompleted({ email: 'ada@example.org', lines: [{ pairsPerUnit: 2 }] }));
        await t.settle();
        await addStaff(t, { email: 'ana@socks.test', role: 'admin' });
        const urls = pageUrls(t);
        expect(urls.length).toBeGreaterThan(15);
        for (const width of WIDTHS) {
          const { page, problems } = await openPage(browser, width);
          await signInOnPage(page, server.base, 'ana@socks.test');
          for (const url of urls) {
            const response = await page.goto(`${server.base}${url}`);
            expect(response?.status(), url).toBe(200);
            await checkPage(page, `console${url.replace(/\//g, '-').replace(/^-admin/, '') || '-dashboard'}`, width);
          }
          expect(problems).toEqual([]);
          await page.close();
        }
      } finally {
        await server.stop();
      }
    },
    ALL_PAGES_MS,
  );
});
