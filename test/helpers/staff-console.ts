import { eq } from 'drizzle-orm';
import { Secret, TOTP } from 'otpauth';
import supertest from 'supertest';
import { expect } from 'vitest';
import { staff } from '../../src/db/schema/index.js';
import { COMMAND_LINE } from '../../src/staff/audit-log.js';
import { createStaff } from '../../src/staff/manage-staff.js';
import type { StaffRole } from '../../src/staff/staff.queries.js';
import type { TestApp } from './test-app.js';

export const STAFF_PASSWORD = 'correct horse battery staple';

export async function addStaff(t: TestApp, opts: { email?: string; role?: StaffRole; password?: string } = {}) {
  return createStaff(
    t.ctx.db,
    {
      email: opts.email ?? `${opts.role ?? 'staff'}@socks.test`,
      role: opts.role ?? 'staff',
      password: opts.password ?? STAFF_PASSWORD,
    },
    COMMAND_LINE,
    () => t.clock.now(),
  );
}

/** The CSRF token in a console page's forms. */
export function csrfIn(html: string): string {
  const match = /name="_csrf" value="([^"]+)"/.exec(html);
  if (!match) throw new Error('the page has no CSRF token');
  return match[1]!;
}

export interface StaffBrowser {
  agent: ReturnType<typeof supertest.agent>;
  csrf: string;
  /** The session cookie's value, as the browser holds it. */
  cookie: string;
  /** Posts a form with the session's CSRF token. */
  post(path: string, form?: Record<string, string>): supertest.Test;
  get(path: string): supertest.Test;
}

/** Signs in through the real form, keeping cookies like a browser. */
export async function signInAs(
  t: TestApp,
  email: string,
  password = STAFF_PASSWORD,
  headers: Record<string, string> = {},
): Promise<StaffBrowser> {
  const agent = supertest.agent(t.app);
  const form = await agent.get('/admin/login').set(headers);
  const res = await agent
    .post('/admin/login')
    .set(headers)
    .type('form')
    .send({ _csrf: csrfIn(form.text), email, password });
  if (res.status !== 303) throw new Error(`sign-in as ${email} answered ${res.status}`);
  const cookie = /socks_staff=([^;]+)/.exec(String(res.headers['set-cookie']))?.[1];
  if (!cookie) throw new Error('sign-in set no session cookie');
  const page = await agent.get('/admin').set(headers);
  const csrf = csrfIn(page.text);
  return {
    agent,
    csrf,
    cookie,
    post: (path, body = {}) =>
      agent
        .post(path)
        .set(headers)
        .type('form')
        .send({ _csrf: csrf, ...body }),
    get: (path) => agent.get(path).set(headers),
  };
}

/** Adds a member with the role and signs them in. */
export async function staffBrowser(
  t: TestApp,
  role: StaffRole = 'staff',
  email = `${role}@socks.test`,
): Promise<StaffBrowser> {
  await addStaff(t, { email, role });
  return signInAs(t, email);
}

/** The code an authenticator app holding `secret` shows at `at`. */
export function codeAt(secret: string, at: number): string {
  return new TOTP({ secret: Secret.fromBase32(secret), algorithm: 'SHA1', digits: 6, period: 30 }).generate({
    timestamp: at,
  });
}

/** Signs in and turns two-factor on through the account page, as a member would; returns the secret and codes. */
export async function enrol(t: TestApp, browser: StaffBrowser, email: string) {
  const page = await browser.get('/admin/account');
  expect(page.status).toBe(200);
  const secret = /class="admin-secret">([A-Z2-7 ]+)</.exec(page.text)![1]!.replace(/ /g, '');
  const res = await browser.post('/admin/account/two-factor', { code: codeAt(secret, t.clock.now()) });
  expect(res.status).toBe(200);
  const recoveryCodes = [...res.text.matchAll(/<li><code>([0-9A-Z]{5}-[0-9A-Z]{5})<\/code><\/li>/g)].map((m) => m[1]!);
  const member = t.ctx.db.select().from(staff).where(eq(staff.email, email)).get()!;
  expect(member.totpEnabledAt).toBe(t.clock.now());
  return { secret, recoveryCodes };
}
