import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { checkPage, listen, openPage, signInOnPage, useChromium } from '../helpers/browser.js';
import {
  copyPackage,
  editFile,
  EXAMPLE_PACKAGE,
  entriesOf,
  writeParkPackage,
  writeZip,
} from '../helpers/camtrap-packages.js';
import { addStaff } from '../helpers/staff-console.js';
import { createTestApp } from '../helpers/test-app.js';
import { buy, tokenOf } from '../pages/shoppers.js';

/** A real browser on a shared machine, and two package imports: generous, and never a claim about speed. */
const BROWSER_TEST_MS = 180_000;
const FIRST_DAY = Date.UTC(2027, 2, 1);

const browser = useChromium();

async function importThroughForm(page: Page, base: string, files: string[]): Promise<void> {
  await page.goto(`${base}/admin/camera-data`);
  await page.getByLabel(/The package: one \.zip/).setInputFiles(files);
  await page.getByRole('button', { name: 'Import' }).click();
  // The upload page refreshes itself (no script) until the import's report opens.
  await page.waitForURL(/\/admin\/camera-data\/imports\/\d+$/, { timeout: 90_000 });
}

describe('camera data in a real browser', () => {
  it(
    "staff import the standard's example and a park package from the console; a buyer sees their weeks on a phone",
    async () => {
      const t = createTestApp();
      const server = await listen(t);
      t.ctx.allocation.start();
      try {
        await buy(t, { email: 'ada@example.org', pairsPerUnit: 3, createdSeconds: FIRST_DAY / 1000 });
        await t.settle();
        await t.ctx.allocation.drain();
        await addStaff(t, { email: 'kit@socks.test', role: 'admin' });
        const { page, problems } = await openPage(browser, 1280);
        await signInOnPage(page, server.base, 'kit@socks.test');
        await page.goto(`${server.base}/admin/camera-data`);
        expect(await page.locator('[data-backlog=waiting] strong').textContent()).toBe('3');
        await checkPage(page, 'camera-data-empty', 1280);

        // A package that breaks the standard: refused with its report, nothing written.
        const broken = copyPackage();
        editFile(broken, 'observations.csv', (text) => text.replace(/,event,/, ',scene,'));
        await importThroughForm(page, server.base, [await writeZip(entriesOf(broken))]);
        expect(await page.locator('#import-outcome').textContent()).toBe('refused nothing was written');
        expect(await page.locator('#problems tbody tr').first().textContent()).toContain('observationLevel');
        await checkPage(page, 'camera-import-refused', 1280);

        await importThroughForm(page, server.base, [await writeZip(entriesOf(EXAMPLE_PACKAGE))]);
        expect(await page.locator('#import-outcome').textContent()).toBe('imported');

        const park = writeParkPackage({
          firstDay: FIRST_DAY,
          deployments: [
            { id: 'KP-01', locationName: 'Kedrovaya Pad', startDay: 0, days: 14 },
            { id: 'BA-02', locationName: 'Barsovy', startDay: 1, days: 9 },
          ],
          events: [
            { deploymentId: 'KP-01', at: 3.2, scientificName: 'Panthera pardus orientalis', photos: 4 },
            { deploymentId: 'KP-01', at: 4.1, scientificName: 'Capreolus pygargus', photos: 2 },
          ],
          hasEventLevel: true,
        });
        await importThroughForm(page, server.base, [await writeZip(entriesOf(park))]);
        expect(await page.locator('#import-weeks').textContent()).toContain('3 camera-weeks added');
        await checkPage(page, 'camera-import', 1280);
        await expect
          .poll(async () => {
            await page.goto(`${server.base}/admin/camera-data`);
            return page.locator('[data-backlog=allocated] strong').textContent();
          })
          .toBe('3');
        await page.getByRole('link', { name: 'Land of Leopard camera traps' }).click();
        expect(await page.locator('#deployments tbody tr').count()).toBe(2);
        await page.getByLabel(/Rounded to 0\.1°/).check();
        await page.getByRole('button', { name: 'Save' }).click();
        await expect
          .poll(() => page.locator('#deployments tbody tr').first().textContent(), { timeout: 60_000 })
          .toContain('43.1, 131.3');
        await checkPage(page, 'camera-project', 1280);
        // On a phone too: wide tables scroll inside their own region, never the page.
        await page.setViewportSize({ width: 360, height: 800 });
        await checkPage(page, 'camera-project', 360);
        await page.goto(`${server.base}/admin/camera-data`);
        await checkPage(page, 'camera-data', 360);
        expect(problems).toEqual([]);

        const phone = await openPage(browser, 360);
        await phone.page.goto(`${server.base}/impact/${tokenOf(t, 'ada@example.org')}`);
        const weeks = phone.page.locator('.camera-week');
        expect(await weeks.count()).toBe(3);
        expect(await weeks.first().textContent()).toContain('Kedrovaya Pad');
        expect(await phone.page.locator('[data-cameras=summary]').textContent()).toBe(
          '1 leopard visit on your cameras so far.',
        );
        expect(await phone.page.content()).not.toMatch(/43\.1|131\.3/);
        await checkPage(phone.page, 'impact-camera-weeks', 360);
        expect(phone.problems).toEqual([]);
      } finally {
        await server.stop();
      }
    },
    BROWSER_TEST_MS,
  );
});
