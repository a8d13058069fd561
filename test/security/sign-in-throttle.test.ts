import supertest from 'supertest';
import { describe, expect, it } from 'vitest';
import { loginFailures, staffSessions } from '../../src/db/schema/index.js';
import { signIn } from '../../src/staff/sign-in.js';
import { html } from '../helpers/html.js';
import { addStaff, STAFF_PASSWORD } from '../helpers/staff-console.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';

const STAFF = 'ada@socks.test';

/** A browser at an address: keeps its cookies (the session's, and the device cookie once it has signed in). */
function browserAt(t: TestApp, address: string) {
  const agent = supertest.agent(t.app);
  return {
    agent,
    signIn: (password: string, email = STAFF) =>
      agent.post('/admin/login').set('x-forwarded-for', address).type('form').send({ email, password }),
    get: (path: string) => agent.get(path).set('x-forwarded-for', address),
  };
}

const sessions = (t: TestApp) => t.ctx.db.select().from(staffSessions).all().length;

describe('parallel guesses', () => {
  it('answers at most five of twelve wrong passwords sent at once; the rest wait', async () => {
    const t = createTestApp();
    await addStaff(t, { email: STAFF });
    const attacker = browserAt(t, '203.0.113.66');

    const statuses = await Promise.all(
      Array.from({ length: 12 }, (_, i) => attacker.signIn(`wrong guess ${i}`).then((res) => res.status)),
    );

    expect(statuses.filter((s) => s === 401)).toHaveLength(5);
    expect(statuses.filter((s) => s === 429)).toHaveLength(7);
    expect(
      t.ctx.db
        .select()
        .from(loginFailures)
        .all()
        .filter((row) => row.key.startsWith('pair:')),
    ).toHaveLength(5);
  });

  it('does not let the right password through behind ten wrong ones sent with it', async () => {
    const t = createTestApp();
    await addStaff(t, { email: STAFF });
    const attempt = (password: string) =>
      signIn(t.ctx.db, { email: STAFF, password, client: '203.0.113.66', device: null }, () => t.clock.now());

    // Each attempt is counted as it starts, before its password is checked (which takes a while).
    const results = await Promise.all([
      ...Array.from({ length: 10 }, (_, i) => attempt(`wrong guess ${i}`)),
      attempt(STAFF_PASSWORD),
    ]);

    expect(results.map((r) => r.status)).toEqual([
      ...Array(5).fill('refused'),
      ...Array(5).fill('throttled'),
      'throttled',
    ]);
    expect(sessions(t)).toBe(0);
  });
});

describe('an attacker cannot lock a staff member out', () => {
  it('lets the member in from their usual browser while an attacker keeps failing from elsewhere', async () => {
    const t = createTestApp();
    await addStaff(t, { email: STAFF });
    const usual = browserAt(t, '198.51.100.7');
    expect((await usual.signIn(STAFF_PASSWORD)).status).toBe(303); // an earlier day's sign-in: the browser now holds a device cookie
    const attacker = browserAt(t, '203.0.113.66');

    for (let quarter = 0; quarter < 8; quarter++) {
      for (let i = 0; i < 5; i++)
        expect((await attacker.signIn(`guess ${quarter}-${i}`)).status).toBeGreaterThanOrEqual(401);
      expect((await attacker.signIn(STAFF_PASSWORD)).status).toBe(429); // the attacker's own client is shut out
      expect((await usual.signIn(STAFF_PASSWORD)).status).toBe(303);
      t.clock.advance(15 * 60_000);
    }
  });

  it('lets the member in from a new address too, while one attacker fails five times', async () => {
    const t = createTestApp();
    await addStaff(t, { email: STAFF });
    for (let i = 0; i < 5; i++) expect((await browserAt(t, '203.0.113.66').signIn(`guess ${i}`)).status).toBe(401);

    expect((await browserAt(t, '203.0.113.66').signIn(STAFF_PASSWORD)).status).toBe(429);
    expect((await browserAt(t, '192.0.2.10').signIn(STAFF_PASSWORD)).status).toBe(303);
  });

  it('slows every unknown client down once failures come from many addresses, but never the member’s own browser', async () => {
    const t = createTestApp();
    await addStaff(t, { email: STAFF });
    const usual = browserAt(t, '198.51.100.7');
    expect((await usual.signIn(STAFF_PASSWORD)).status).toBe(303);

    for (let i = 0; i < 10; i++)
      expect((await browserAt(t, `203.0.113.${i + 1}`).signIn(`guess ${i}`)).status).toBe(401);
    const backedOff = await browserAt(t, '203.0.113.200').signIn(STAFF_PASSWORD);
    expect(backedOff.status).toBe(429);
    expect(backedOff.headers['retry-after']).toBe('60');
    expect((await usual.signIn(STAFF_PASSWORD)).status).toBe(303);

    // The wait doubles with every further failure from an unknown client: one minute, then two.
    t.clock.advance(60_000);
    expect((await browserAt(t, '203.0.113.11').signIn('guess 11')).status).toBe(401);
    expect((await browserAt(t, '203.0.113.12').signIn('guess 12')).headers['retry-after']).toBe('120');
    t.clock.advance(120_000);
    expect((await browserAt(t, '203.0.113.13').signIn('guess 13')).status).toBe(401);
    expect((await browserAt(t, '203.0.113.14').signIn('guess 14')).headers['retry-after']).toBe('240');
    expect((await usual.signIn(STAFF_PASSWORD)).status).toBe(303);
  });

  it('does not take a device cookie issued for one account as a pass for another', async () => {
    const t = createTestApp();
    await addStaff(t, { email: STAFF });
    await addStaff(t, { email: 'grace@socks.test' });
    const browser = browserAt(t, '198.51.100.7');
    expect((await browser.signIn(STAFF_PASSWORD, 'grace@socks.test')).status).toBe(303); // Grace's device cookie

    for (let i = 0; i < 10; i++)
      expect((await browserAt(t, `203.0.113.${i + 1}`).signIn(`guess ${i}`)).status).toBe(401);

    expect((await browser.signIn(STAFF_PASSWORD)).status).toBe(429); // for Ada it is just another unknown client
    const forged = await browserAt(t, '198.51.100.8')
      .agent.post('/admin/login')
      .set('cookie', 'socks_device=1.forged.sig')
      .type('form')
      .send({ email: STAFF, password: STAFF_PASSWORD });
    expect(forged.status).toBe(429);
  });
});

describe('telling the member about failed attempts', () => {
  it('shows the failures since the last sign-in on every page until the member dismisses it, then never again', async () => {
    const t = createTestApp();
    await addStaff(t, { email: STAFF });
    for (let i = 0; i < 3; i++) await browserAt(t, '203.0.113.66').signIn(`guess ${i}`);
    await browserAt(t, '203.0.113.66').signIn('wrong', 'nobody@socks.test'); // no such account: nobody to tell
    const member = browserAt(t, '198.51.100.7');

    expect((await member.signIn(STAFF_PASSWORD)).status).toBe(303);
    const dashboard = html((await member.get('/admin')).text);
    const orders = html((await member.get('/admin/orders')).text);

    for (const page of [dashboard, orders]) {
      expect(page.text('[role=alert] h2')).toBe(
        '3 failed attempts to sign in to your account since you last signed in',
      );
      expect(page.text('[role=alert] p')).toMatch(
        /^The latest was at \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC from 203\.0\.113\.66\./,
      );
    }
    const csrf = dashboard.select('[role=alert] input[name=_csrf]').attrs.value!;
    const dismissed = await member.agent
      .post('/admin/sign-in-notice/dismiss')
      .type('form')
      .send({ _csrf: csrf, returnTo: '/admin/orders' });
    expect(dismissed.status).toBe(303);
    expect(dismissed.headers.location).toBe('/admin/orders');
    expect(html((await member.get('/admin')).text).selectAll('[role=alert]')).toEqual([]);

    const again = browserAt(t, '198.51.100.7');
    expect((await again.signIn(STAFF_PASSWORD)).status).toBe(303);
    expect(html((await again.get('/admin')).text).selectAll('[role=alert]')).toEqual([]);
  });
});
