import { describe, expect, it } from 'vitest';
import { auditLog, staffSessions } from '../../src/db/schema/index.js';
import { createTestApp } from '../helpers/test-app.js';
import { addStaff, csrfIn, staffBrowser, STAFF_PASSWORD } from '../helpers/staff-console.js';
import { consoleRoutes, PUBLIC_CONSOLE_PATHS } from './console-routes.js';

const auditCount = (t: ReturnType<typeof createTestApp>) => t.ctx.db.select().from(auditLog).all().length;

describe('every console route', () => {
  it('declares the role it needs, apart from the sign-in page', () => {
    const t = createTestApp();
    const routes = consoleRoutes(t);
    expect(routes.length).toBeGreaterThan(10);
    const unguarded = routes.filter((r) => r.role === undefined).map((r) => `${r.method} ${r.path}`);
    expect(unguarded.sort()).toEqual([
      'get /admin/login',
      'get /admin/login/code',
      'post /admin/login',
      'post /admin/login/code',
    ]);
    expect(routes.filter((r) => r.role === 'admin').map((r) => r.path)).toContain('/admin/staff');
  });

  it('refuses anonymous requests and changes nothing', async () => {
    const t = createTestApp();
    const before = auditCount(t);
    for (const route of consoleRoutes(t).filter((r) => !PUBLIC_CONSOLE_PATHS.includes(r.path))) {
      const res =
        route.method === 'get'
          ? await t.http.get(route.url)
          : await t.http.post(route.url).type('form').send({ _csrf: 'x' });
      if (route.method === 'get') {
        expect(res.status, route.url).toBe(303);
        expect(res.headers.location, route.url).toBe(`/admin/login?next=${encodeURIComponent(route.url)}`);
      } else {
        expect(res.status, route.url).toBe(401);
      }
    }
    expect(auditCount(t)).toBe(before);
  });

  it('refuses staff members on admin-only routes', async () => {
    const t = createTestApp();
    const browser = await staffBrowser(t, 'staff');
    const before = auditCount(t);
    const adminOnly = consoleRoutes(t).filter((r) => r.role === 'admin');
    expect(adminOnly.length).toBeGreaterThan(0);
    for (const route of adminOnly) {
      const res = route.method === 'get' ? await browser.get(route.url) : await browser.post(route.url, {});
      expect(res.status, `${route.method} ${route.url}`).toBe(403);
    }
    expect(auditCount(t)).toBe(before);
  });
});

describe('every console page', () => {
  it('renders for a signed-in admin, even on an empty database', async () => {
    const t = createTestApp();
    const browser = await staffBrowser(t, 'admin');
    for (const route of consoleRoutes(t).filter((r) => r.method === 'get' && !PUBLIC_CONSOLE_PATHS.includes(r.path))) {
      const res = await browser.get(route.url).redirects(1); // /admin/field-notes opens a month's page
      const expected = /:(id|eventId)\b/.test(route.path) ? 404 : 200; // the sample ids do not exist
      expect(res.status, route.url).toBe(expected);
    }
  });
});

describe('sessions', () => {
  it('issues a new session id at sign-in; the id held before never becomes signed in', async () => {
    const t = createTestApp();
    await addStaff(t, { email: 'ada@socks.test' });
    const form = await t.http.get('/admin/login');
    const before = cookieValue(form.headers['set-cookie']);
    const res = await t.http
      .post('/admin/login')
      .set('cookie', `socks_staff=${before}`)
      .type('form')
      .send({ _csrf: csrfIn(form.text), email: 'ada@socks.test', password: STAFF_PASSWORD });
    expect(res.status).toBe(303);
    const after = cookieValue(res.headers['set-cookie']);
    expect(after).not.toBe(before);
    expect((await t.http.get('/admin').set('cookie', `socks_staff=${before}`)).status).toBe(303);
    expect((await t.http.get('/admin').set('cookie', `socks_staff=${after}`)).status).toBe(200);
  });

  it('sets the cookie HttpOnly, SameSite=Lax, for /admin only, and Secure in production', async () => {
    const dev = createTestApp();
    const devCookie = String((await dev.http.get('/admin/login')).headers['set-cookie']);
    expect(devCookie).toMatch(/; Path=\/admin; HttpOnly; SameSite=Lax$/);
    expect(devCookie).not.toMatch(/Secure/);
    const prod = createTestApp({ env: { NODE_ENV: 'production', LOG_LEVEL: 'silent' } });
    expect(String((await prod.http.get('/admin/login')).headers['set-cookie'])).toMatch(
      /; Path=\/admin; HttpOnly; Secure; SameSite=Lax$/,
    );
  });

  it('refuses a cookie whose signature does not match', async () => {
    const t = createTestApp();
    const browser = await staffBrowser(t);
    const cookie = browser.cookie;
    const [id] = cookie.split('.');
    expect((await t.http.get('/admin').set('cookie', `socks_staff=${id}.forged`)).status).toBe(303);
    expect((await t.http.get('/admin').set('cookie', `socks_staff=${cookie}`)).status).toBe(200);
  });

  it('ends after 30 idle minutes', async () => {
    const t = createTestApp();
    const browser = await staffBrowser(t);
    t.clock.advance(29 * 60_000);
    expect((await browser.get('/admin')).status).toBe(200);
    t.clock.advance(29 * 60_000);
    expect((await browser.get('/admin')).status).toBe(200);
    t.clock.advance(30 * 60_000 + 1);
    expect((await browser.get('/admin')).status).toBe(303);
  });

  it('ends 12 hours after sign-in however busy', async () => {
    const t = createTestApp();
    const browser = await staffBrowser(t);
    for (let minutes = 0; minutes < 12 * 60 - 20; minutes += 20) {
      t.clock.advance(20 * 60_000);
      expect((await browser.get('/admin')).status).toBe(200);
    }
    t.clock.advance(20 * 60_000);
    expect((await browser.get('/admin')).status).toBe(303);
  });

  it('signing out ends the session on the server', async () => {
    const t = createTestApp();
    const browser = await staffBrowser(t);
    const cookie = browser.cookie;
    expect((await browser.post('/admin/logout')).status).toBe(303);
    expect(t.ctx.db.select().from(staffSessions).all()).toHaveLength(0);
    expect((await t.http.get('/admin').set('cookie', `socks_staff=${cookie}`)).status).toBe(303);
  });
});

describe('CSRF', () => {
  it('refuses a post without the token, with a wrong one, or with another session’s', async () => {
    const t = createTestApp();
    const browser = await staffBrowser(t, 'staff', 'one@socks.test');
    const other = await staffBrowser(t, 'staff', 'two@socks.test');
    for (const token of [undefined, 'wrong', other.csrf]) {
      const res = await browser.agent
        .post('/admin/logout')
        .type('form')
        .send(token === undefined ? {} : { _csrf: token });
      expect(res.status).toBe(403);
      expect(res.text).toContain('This form has expired');
    }
    expect((await browser.get('/admin')).status).toBe(200); // still signed in: the posts did nothing
  });

  it('refuses a sign-in posted from another site', async () => {
    const t = createTestApp();
    await addStaff(t, { email: 'ada@socks.test' });
    for (const [header, value] of [
      ['origin', 'https://evil.example'],
      ['sec-fetch-site', 'cross-site'],
      ['referer', 'https://evil.example/a-page'], // an old browser that sends neither of the above
    ] as const) {
      const res = await t.http
        .post('/admin/login')
        .set(header, value)
        .type('form')
        .send({ email: 'ada@socks.test', password: STAFF_PASSWORD });
      expect(res.status, header).toBe(403);
    }
    expect(t.ctx.db.select().from(staffSessions).all()).toHaveLength(0);
  });

  it('signs in a script that posts only email and password, as docs/domain.md names the fields', async () => {
    const t = createTestApp();
    await addStaff(t, { email: 'ada@socks.test' });
    const res = await t.http
      .post('/admin/login')
      .type('form')
      .send({ email: 'ada@socks.test', password: STAFF_PASSWORD });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/admin');
    const cookie = cookieValue(res.headers['set-cookie']);
    expect((await t.http.get('/admin').set('cookie', `socks_staff=${cookie}`)).status).toBe(200);
  });
});

describe('sign-in', () => {
  it('refuses a wrong password, an unknown email and a disabled account alike', async () => {
    const t = createTestApp();
    await addStaff(t, { email: 'ada@socks.test' });
    const admin = await staffBrowser(t, 'admin');
    const off = await addStaff(t, { email: 'off@socks.test' });
    expect((await admin.post(`/admin/staff/${off.id}`, { role: 'staff', isActive: 'false' })).status).toBe(303);
    for (const [email, password] of [
      ['ada@socks.test', 'not the password at all'],
      ['nobody@socks.test', STAFF_PASSWORD],
      ['off@socks.test', STAFF_PASSWORD],
    ]) {
      const agent = (await import('supertest')).default.agent(t.app);
      const form = await agent.get('/admin/login');
      const res = await agent
        .post('/admin/login')
        .type('form')
        .send({ _csrf: csrfIn(form.text), email, password });
      expect(res.status).toBe(401);
      expect(res.text).toContain('That email and password do not match an active account.');
    }
  });

  it('throttles an account after 5 failures for 15 minutes, even with the right password', async () => {
    const t = createTestApp();
    await addStaff(t, { email: 'ada@socks.test' });
    for (let i = 0; i < 5; i++) expect(await attempt(t, 'ada@socks.test', `wrong password ${i}`)).toBe(401);
    expect(await attempt(t, 'ada@socks.test', STAFF_PASSWORD)).toBe(429);
    t.clock.advance(15 * 60_000 + 1);
    expect(await attempt(t, 'ada@socks.test', STAFF_PASSWORD)).toBe(303);
  });

  it('throttles a client after 20 failures across accounts, and other clients carry on', async () => {
    const t = createTestApp();
    await addStaff(t, { email: 'ada@socks.test' });
    for (let i = 0; i < 20; i++)
      expect(await attempt(t, `guess${i}@socks.test`, 'wrong password', '203.0.113.9')).toBe(401);
    expect(await attempt(t, 'ada@socks.test', STAFF_PASSWORD, '203.0.113.9')).toBe(429);
    expect(await attempt(t, 'ada@socks.test', STAFF_PASSWORD, '198.51.100.7')).toBe(303);
  });

  it('throttles an IPv6 client by its /64, and the audit log keeps the address itself', async () => {
    const t = createTestApp();
    await addStaff(t, { email: 'ada@socks.test' });
    for (let i = 0; i < 20; i++)
      expect(await attempt(t, `guess${i}@socks.test`, 'wrong password', `2001:db8:9:9::${(i + 1).toString(16)}`)).toBe(
        401,
      );
    expect(await attempt(t, 'ada@socks.test', STAFF_PASSWORD, '2001:db8:9:9:abcd::1')).toBe(429);
    expect(await attempt(t, 'ada@socks.test', STAFF_PASSWORD, '2001:db8:9:a::1')).toBe(303);

    const signIn = t.ctx.database.sqlite
      .prepare("select after from audit_log where action = 'staff.sign_in'")
      .pluck()
      .get() as string;
    expect(JSON.parse(signIn)).toEqual({ client: '2001:db8:9:a::1' });
  });

  it('sends the signed-in member back to the page they asked for, and never off-site', async () => {
    const t = createTestApp();
    await addStaff(t, { email: 'ada@socks.test' });
    expect(await attemptTo(t, '/admin/orders?status=paid')).toBe('/admin/orders?status=paid');
    expect(await attemptTo(t, '//evil.example/admin')).toBe('/admin');
    expect(await attemptTo(t, 'https://evil.example/')).toBe('/admin');
  });
});

async function attempt(
  t: ReturnType<typeof createTestApp>,
  email: string,
  password: string,
  client = '192.0.2.1',
): Promise<number> {
  const agent = (await import('supertest')).default.agent(t.app);
  const form = await agent.get('/admin/login');
  const res = await agent
    .post('/admin/login')
    .set('x-forwarded-for', client)
    .type('form')
    .send({ _csrf: csrfIn(form.text), email, password });
  return res.status;
}

async function attemptTo(t: ReturnType<typeof createTestApp>, next: string): Promise<string> {
  const agent = (await import('supertest')).default.agent(t.app);
  const form = await agent.get(`/admin/login?next=${encodeURIComponent(next)}`);
  const res = await agent
    .post('/admin/login')
    .type('form')
    .send({ _csrf: csrfIn(form.text), email: 'ada@socks.test', password: STAFF_PASSWORD, next });
  return res.headers.location ?? '';
}

/** The session cookie a response set last (a first visit gets an anonymous one before sign-in replaces it). */
function cookieValue(setCookie: unknown): string {
  const values = [...String(setCookie).matchAll(/socks_staff=([^;,]+)/g)].map((match) => match[1]!);
  if (values.length === 0) throw new Error('no session cookie was set');
  return values.at(-1)!;
}
