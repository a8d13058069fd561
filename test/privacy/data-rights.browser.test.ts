import fs from 'node:fs';
import type { Download } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { BROWSER_TEST_MS, checkPage, listen, openPage, signInOnPage, useChromium } from '../helpers/browser.js';
import { addStaff } from '../helpers/staff-console.js';
import { createTestApp } from '../helpers/test-app.js';
import { ADA, buyAt, supporterOf } from './privacy-kit.js';

const browser = useChromium();

async function downloadedJson(download: Download) {
  return JSON.parse(fs.readFileSync((await download.path())!, 'utf8'));
}

describe("a buyer's data rights in a real browser", () => {
  it(
    'the buyer downloads their data; staff open their page, download it and erase them; the old link opens nothing',
    async () => {
      const t = createTestApp({ env: { NODE_ENV: 'test' } });
      t.clock.advance(-60_000); // the purchase comes a minute before the erasure below
      const server = await listen(t);
      try {
        await buyAt(t, { ...ADA, pairs: 3 });
        t.clock.advance(60_000);
        await t.ctx.allocation.drain();
        const ada = supporterOf(t, ADA.email);
        const today = new Date(t.clock.now()).toISOString().slice(0, 10);
        await addStaff(t, { email: 'kit@socks.test', role: 'admin' });

        // The buyer, on a phone, with no script: the link downloads the file.
        const buyer = await openPage(browser, 360);
        await buyer.page.goto(`${server.base}/impact/${ada.token}`);
        await checkPage(buyer.page, 'impact-data-rights', 360);
        const [own] = await Promise.all([
          buyer.page.waitForEvent('download'),
          buyer.page.getByRole('link', { name: 'Download my data' }).click(),
        ]);
        expect(own.suggestedFilename()).toBe(`socks-data-${today}.json`);
        expect(await downloadedJson(own)).toMatchObject({
          supporter: { email: ADA.email, name: ADA.name },
          impact: { pairs: 3, trapWeeks: 3 },
        });

        // Staff: from the order to the buyer, their data, then the erasure they asked for.
        const { page, problems } = await openPage(browser, 1280);
        await signInOnPage(page, server.base, 'kit@socks.test');
        await page.goto(`${server.base}/admin/orders`);
        await page.getByRole('link', { name: /^cs_test_/ }).click();
        await page.getByRole('link', { name: ADA.email }).click();
        await page.waitForURL(`${server.base}/admin/supporters/${ada.id}`);
        await checkPage(page, 'admin-supporter', 1280);
        const [staffCopy] = await Promise.all([
          page.waitForEvent('download'),
          page.getByRole('link', { name: 'Download data' }).click(),
        ]);
        expect(staffCopy.suggestedFilename()).toBe(`socks-data-${today}.json`);
        expect((await downloadedJson(staffCopy)).supporter.email).toBe(ADA.email);

        await page.getByLabel(/^Why/).fill('She asked by email to be forgotten');
        await page.getByLabel('Type their email address to confirm').fill(ADA.email);
        await page.getByRole('button', { name: 'Erase this buyer' }).click();
        await page.waitForURL(`${server.base}/admin/supporters/${ada.id}?done=erased`);
        expect(await page.locator('h1').textContent()).toBe(`Erased supporter #${ada.id}`);
        expect(await page.locator('#erasure').textContent()).toContain('She asked by email to be forgotten');
        expect(await page.content()).not.toContain(ADA.email);
        await checkPage(page, 'admin-supporter-erased', 1280);
        expect(problems).toEqual([]);

        // The buyer's old link now opens nothing, and neither does their file.
        const gone = await buyer.page.goto(`${server.base}/impact/${ada.token}`);
        expect(gone?.status()).toBe(404);
        expect(await buyer.page.locator('h1').textContent()).toBe('Page not found');
        const file = await buyer.page.request.get(`${server.base}/api/supporters/${ada.token}/export`);
        expect(file.status()).toBe(404);
        expect(buyer.problems.filter((p) => !p.includes('404'))).toEqual([]);
      } finally {
        await server.stop();
      }
    },
    BROWSER_TEST_MS,
  );
});
