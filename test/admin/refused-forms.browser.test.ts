import { describe, expect, it } from 'vitest';
import { BROWSER_TEST_MS, checkPage, listen, openPage, signInOnPage, useChromium } from '../helpers/browser.js';
import { addStaff } from '../helpers/staff-console.js';
import { createTestApp } from '../helpers/test-app.js';
import { TestClock } from '../helpers/test-clock.js';

const browser = useChromium();

describe('a refused console form in a real browser', () => {
  it(
    'shows the reason beside the field of the row it came from, and passes axe at 768 px',
    async () => {
      const t = createTestApp({ clock: new TestClock(Date.parse('2025-03-10T12:00:00Z')) });
      const server = await listen(t);
      try {
        const boss = await addStaff(t, { email: 'boss@socks.test', role: 'admin' });
        const { page, problems } = await openPage(browser, 768);
        await signInOnPage(page, server.base, 'boss@socks.test');

        // The only admin tries to make themselves staff: refused beside their own role.
        await page.goto(`${server.base}/admin/staff`);
        await page.locator(`#role-${boss.id}`).selectOption('staff');
        await page.locator(`form[action="/admin/staff/${boss.id}"] button`).click();
        await expect.poll(() => page.locator('#form-error').textContent()).toContain('last active admin');
        expect(await page.locator(`#role-${boss.id}`).inputValue()).toBe('staff');
        await checkPage(page, 'console-staff-refused', 768);

        // A new account with a short password: refused beside the password, the rest kept.
        await page.locator('#email').fill('kit@socks.test');
        await page.getByLabel('Name (optional)').fill('Kit');
        await page.locator('#password').evaluate((el) => el.removeAttribute('minlength'));
        await page.locator('#password').fill('short');
        await page.getByRole('button', { name: 'Add account' }).click();
        await expect.poll(() => page.locator('#password-error').textContent()).toContain('at least 12');
        expect(await page.locator('#email').inputValue()).toBe('kit@socks.test');
        await checkPage(page, 'console-staff-new-refused', 768);
        // The browser notes each refusal's 400, and nothing else.
        expect(problems).toEqual(
          Array(2).fill('Failed to load resource: the server responded with a status of 400 (Bad Request)'),
        );
        await page.close();
      } finally {
        await server.stop();
      }
    },
    BROWSER_TEST_MS,
  );
});
