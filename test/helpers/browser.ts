import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, expect } from 'vitest';
import type { TestApp } from './test-app.js';
import { STAFF_PASSWORD } from './staff-console.js';

/** Debian's chromium, driven by playwright-core. */
export const CHROMIUM = '/usr/bin/chromium';

/** Starts headless Chromium; a missing browser is a failure, never a skip. */
export async function launchChromium(): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM))
    throw new Error(`${CHROMIUM} is missing: install Debian's chromium package (apt-get install -y chromium)`);
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** A real browser on a shared machine: generous, and never a claim about speed. */
export const BROWSER_TEST_MS = 120_000;

/**
 * One Chromium for a test file, launched before its tests and closed after them. Call it at the top
 * of the file; the browser it returns is a stand-in that forwards to the running one.
 */
export function useChromium(): Browser {
  let running: Browser | undefined;
  beforeAll(async () => {
    running = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await running?.close();
  });
  return new Proxy({} as Browser, {
    get(_target, property) {
      if (!running) throw new Error('Chromium is not running: use the browser inside a test');
      const value: unknown = Reflect.get(running, property);
      return typeof value === 'function' ? value.bind(running) : value;
    },
  });
}

/** Serves the app on a free port, as the server does: the link form's requests are worked through in the background. */
export async function listen(t: TestApp): Promise<{ base: string; stop(): Promise<void> }> {
  t.ctx.linkRequests.start();
  const server = t.app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    stop: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

const SCREENSHOTS = path.resolve(import.meta.dirname, '../../test-artifacts/screenshots');
const AXE_SOURCE = path.resolve(import.meta.dirname, '../../node_modules/axe-core/axe.min.js');

/** Opens a page that records anything the browser complains about (a CSP violation, a failed load). */
export async function openPage(browser: Browser, width: number): Promise<{ page: Page; problems: string[] }> {
  const page = await browser.newPage({ viewport: { width, height: 800 } });
  page.setDefaultTimeout(60_000); // a shared machine can be slow; this is no claim about speed
  const problems: string[] = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error' || msg.type() === 'warning') problems.push(msg.text());
  });
  page.on('pageerror', (error) => problems.push(error.message));
  page.on('requestfailed', (request) => {
    // Going on to the next page cancels the favicon's fetch if it is still under way: the test's
    // haste, not a fault. Any other failed request, or a favicon that fails otherwise, is a problem.
    const isCancelledFavicon =
      /\/assets\/favicon\.\w+\.svg$/.test(request.url()) && request.failure()?.errorText === 'net::ERR_ABORTED';
    if (!isCancelledFavicon) problems.push(`${request.url()} failed`);
  });
  return { page, problems };
}

/**
 * Fits the width without sideways scrolling (the console's wide tables scroll inside their own
 * region; the shoppers' are meant to fit), has its stylesheet, passes axe-core with nothing
 * serious, and is saved as a screenshot.
 */
export async function checkPage(page: Page, name: string, width: number): Promise<void> {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow, `${name} at ${width}px scrolls sideways`).toBeLessThanOrEqual(0);
  // Tables may scroll inside their own region, but ours are meant to fit without it.
  const clippedTables = await page.evaluate(
    () => [...document.querySelectorAll('.table-scroll')].filter((el) => el.scrollWidth > el.clientWidth).length,
  );
  expect(clippedTables, `${name} at ${width}px has a table wider than the screen`).toBe(0);
  const stylesheetApplied = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  expect(stylesheetApplied).toBe('rgb(251, 248, 243)');

  // Evaluated through the DevTools protocol: the page's own CSP (no scripts) stays in force.
  await page.evaluate(fs.readFileSync(AXE_SOURCE, 'utf8'));
  const violations = await page.evaluate(async () => {
    const axe = (
      window as unknown as {
        axe: {
          run(
            context: Document,
          ): Promise<{ violations: { id: string; impact: string; nodes: { target: string[] }[] }[] }>;
        };
      }
    ).axe;
    const results = await axe.run(document);
    return results.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      targets: v.nodes.map((n) => n.target.join(' ')),
    }));
  });
  expect(
    violations.filter((v) => v.impact === 'serious' || v.impact === 'critical'),
    `${name} at ${width}px`,
  ).toEqual([]);
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}-${width}.png`), fullPage: true });
}

/** Signs a member in through the console's sign-in form, as a person would, and waits for the dashboard. */
export async function signInOnPage(page: Page, base: string, email: string): Promise<void> {
  await page.goto(`${base}/admin/login`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(STAFF_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${base}/admin`);
}
