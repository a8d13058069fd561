import { Secret, TOTP } from 'otpauth';
import { describe, expect, it } from 'vitest';
import { BROWSER_TEST_MS, checkPage, listen, openPage, signInOnPage, useChromium } from '../helpers/browser.js';
import { addStaff, STAFF_PASSWORD } from '../helpers/staff-console.js';
import { createTestApp } from '../helpers/test-app.js';

/** What the member's authenticator app shows, given the key they typed in from the page. */
const appCode = (secret: string, at: number) =>
  new TOTP({ secret: Secret.fromBase32(secret), algorithm: 'SHA1', digits: 6, period: 30 }).generate({ timestamp: at });

const browser = useChromium();

describe('two-factor sign-in in a real browser', () => {
  it(
    'an admin sets it up from the QR code page, keeps the recovery codes, and signs in with a code on a phone',
    async () => {
      const t = createTestApp();
      const server = await listen(t);
      try {
        await addStaff(t, { email: 'ana@socks.test', role: 'admin' });
        const { page, problems } = await openPage(browser, 1280);
        await signInOnPage(page, server.base, 'ana@socks.test');

        await page.getByRole('link', { name: 'ana@socks.test' }).click();
        await page.waitForURL(`${server.base}/admin/account`);
        expect(await page.locator('.admin-qr svg').isVisible()).toBe(true);
        await checkPage(page, 'account-two-factor-setup', 1280);
        const secret = (await page.locator('.admin-secret').textContent())!.replace(/\s/g, '');
        await page.getByLabel('Enter the 6-digit code your app now shows').fill(appCode(secret, t.clock.now()));
        await page.getByRole('button', { name: 'Turn on two-factor sign-in' }).click();
        await expect.poll(() => page.locator('h1').textContent()).toBe('Your recovery codes');
        const codes = await page.locator('.admin-codes code').allTextContents();
        expect(codes).toHaveLength(10);
        await checkPage(page, 'account-recovery-codes', 1280);
        await page.getByRole('button', { name: 'Sign out' }).click();
        await page.waitForURL(/\/admin\/login/);

        // On a phone, the next sign-in asks for the code after the password.
        t.clock.advance(30_000);
        const phone = await openPage(browser, 360);
        await phone.page.goto(`${server.base}/admin/orders`);
        await phone.page.getByLabel('Email').fill('ana@socks.test');
        await phone.page.getByLabel('Password').fill(STAFF_PASSWORD);
        await phone.page.getByRole('button', { name: 'Sign in' }).click();
        await phone.page.waitForURL(/\/admin\/login\/code/);
        await checkPage(phone.page, 'sign-in-code', 360);
        await phone.page.getByLabel('Code').fill('000000' === appCode(secret, t.clock.now()) ? '111111' : '000000');
        await phone.page.getByRole('button', { name: 'Sign in' }).click();
        await expect.poll(() => phone.page.getByRole('alert').textContent()).toContain('That code does not match');
        await phone.page.getByLabel('Code').fill(codes[0]!);
        await phone.page.getByRole('button', { name: 'Sign in' }).click();
        await phone.page.waitForURL(`${server.base}/admin/orders`);
        await phone.page.goto(`${server.base}/admin/account`);
        expect(await phone.page.locator('main').textContent()).toContain('You have 9 unused recovery codes');
        await checkPage(phone.page, 'account-two-factor-on', 360);
        expect(problems).toEqual([]);
        // The wrong code's answer (its 401), and nothing else.
        const wrongCodeAnswer = 'Failed to load resource: the server responded with a status of 401 (Unauthorized)';
        expect(phone.problems).toContain(wrongCodeAnswer);
        expect(phone.problems.filter((problem) => problem !== wrongCodeAnswer)).toEqual([]);
      } finally {
        await server.stop();
        t.close();
      }
    },
    BROWSER_TEST_MS,
  );
});
