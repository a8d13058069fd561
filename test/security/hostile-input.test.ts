import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseRates } from '../../src/conversion/manage-rules.js';
import { loginFailures } from '../../src/db/schema/index.js';
import { normaliseEmail } from '../../src/lib/email-address.js';
import { parseMoney } from '../../src/lib/money.js';
import { createTestApp } from '../helpers/test-app.js';

/** The review's request: `a@`, thirty thousand dots, `@` (about 4 s of one core per request before the fix). */
const FREEZING_EMAIL = `a@${'.'.repeat(30_000)}@`;

/** Milliseconds a synchronous call takes. Used only to show a cost does not grow with the square of the input. */
function msOf(work: () => unknown): number {
  const started = performance.now();
  work();
  return performance.now() - started;
}

describe('reading an email address', () => {
  it('refuses the review’s freezing input, and others like it, at once', () => {
    const hostile = [
      FREEZING_EMAIL,
      `a@${'.'.repeat(200)}@`,
      `${'a'.repeat(100_000)}@x.org`,
      `a@${'x.'.repeat(200)}`,
      ` ${' '.repeat(5_000)}a@b.c`,
      `a@b${'.c'.repeat(50_000)} `,
    ];
    const ms = msOf(() => hostile.forEach((raw) => expect(normaliseEmail(raw), raw.slice(0, 20)).toBeNull()));
    expect(ms).toBeLessThan(100); // the pattern it replaced took seconds on the first one alone
  });

  it('accepts and refuses exactly what the old pattern did, for inputs within the length limit', () => {
    const oldPattern = (raw: string) => {
      const email = raw.trim().toLowerCase();
      return /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email) && email.length <= 254 ? email : null;
    };
    const piece = fc.constantFrom('a', 'B', '@', '.', ' ', '\t', 'é', '-', '+', '1');
    fc.assert(
      fc.property(
        fc.array(piece, { maxLength: 40 }).map((pieces) => pieces.join('')),
        (raw) => normaliseEmail(raw) === oldPattern(raw),
      ),
      { numRuns: 5_000 },
    );
    expect(normaliseEmail('  Ada.Lovelace+socks@Example.ORG ')).toBe('ada.lovelace+socks@example.org');
    expect(normaliseEmail(`${'a'.repeat(64)}@${'b'.repeat(185)}.org`)).toHaveLength(254);
    expect(normaliseEmail(`${'a'.repeat(64)}@${'b'.repeat(186)}.org`)).toBeNull();
  });
});

describe('hostile form bodies', () => {
  it('refuses the freezing address on both forms that take one before reading it, and counts nothing', async () => {
    const t = createTestApp();
    const body = `email=${encodeURIComponent(FREEZING_EMAIL)}&password=x`;

    for (const path of ['/admin/login', '/impact/lookup']) {
      const res = await t.http.post(path).type('form').set('accept', 'application/json').send(body);
      expect(res.status, path).toBe(413);
      expect(res.body).toEqual({ error: { code: 'body_too_large', message: 'The request body is too large.' } });
    }
    expect(t.ctx.db.select().from(loginFailures).all()).toEqual([]);
    expect(t.ctx.linkRequests.size).toBe(0);
  });

  it('answers a long address that fits the forms as any other wrong one', async () => {
    const t = createTestApp();
    const email = `a@${'.'.repeat(3_000)}@`;

    const lookup = await t.http.post('/impact/lookup').type('form').send({ email });
    const signIn = await t.http.post('/admin/login').type('form').send({ email, password: 'not the password' });

    expect(lookup.status).toBe(400);
    expect(lookup.text).toContain('Please enter the email address you used at checkout');
    expect(signIn.status).toBe(401);
    expect(t.ctx.linkRequests.size).toBe(0);
  });

  it('refuses a form with more fields than any of ours has', async () => {
    const t = createTestApp();
    const fields = Array.from({ length: 50 }, (_, i) => `f${i}=x`).join('&');

    const res = await t.http
      .post('/impact/lookup')
      .type('form')
      .set('accept', 'application/json')
      .send(`email=ada%40example.org&${fields}`);

    expect(res.status).toBe(413);
    expect(res.body.error.message).toBe('The form has too many fields.');
    expect(t.ctx.linkRequests.size).toBe(0);
  });

  it('reads a console form of donation rates without a pattern that a long line could stall', () => {
    const spaces = ' '.repeat(12_000);
    const ms = msOf(() =>
      expect(() => parseRates(`GBP${spaces}1 x`, parseMoney)).toThrow('Write each donation like "GBP 1.00"'),
    );
    expect(ms).toBeLessThan(100); // the old pattern: about half a second
    expect(parseRates('gbp 1.00; EUR : 1.15\nUSD:2', parseMoney)).toEqual({ GBP: 100, EUR: 115, USD: 200 });
    for (const bad of ['GBP1.00', 'GBP', 'GBP 1 00', 'GB 1.00', 'GBP::1'])
      expect(() => parseRates(bad, parseMoney), bad).toThrow('could not read');
  });
});
