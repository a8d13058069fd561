import { eq } from 'drizzle-orm';
import supertest from 'supertest';
import { describe, expect, it } from 'vitest';
import { auditLog, staff, staffRecoveryCodes } from '../../src/db/schema/index.js';
import { runCli } from '../helpers/run-cli.js';
import { createTestApp, WEBHOOK_SECRET, type TestApp } from '../helpers/test-app.js';
import { addStaff, codeAt, csrfIn, enrol, signInAs, staffBrowser, STAFF_PASSWORD } from '../helpers/staff-console.js';

const memberOf = (t: TestApp, email: string) => t.ctx.db.select().from(staff).where(eq(staff.email, email)).get()!;
const auditActions = (t: TestApp) =>
  t.ctx.db
    .select()
    .from(auditLog)
    .all()
    .map((e) => e.action);

/** A fresh browser that has given the right password: it holds a session awaiting the code. */
async function passwordStep(t: TestApp, email: string, next = '/admin') {
  const agent = supertest.agent(t.app);
  const form = await agent.get('/admin/login');
  const res = await agent
    .post('/admin/login')
    .type('form')
    .send({ _csrf: csrfIn(form.text), email, password: STAFF_PASSWORD, next });
  expect(res.status).toBe(303);
  expect(res.headers.location).toBe(`/admin/login/code?next=${encodeURIComponent(next)}`);
  const codePage = await agent.get(res.headers.location!);
  expect(codePage.status).toBe(200);
  const csrf = csrfIn(codePage.text);
  return {
    agent,
    sendCode: (code: unknown) => agent.post('/admin/login/code').type('form').send({ _csrf: csrf, code, next }),
  };
}

async function enrolledAdmin(t: TestApp, email = 'admin@socks.test') {
  const browser = await staffBrowser(t, 'admin', email);
  return { browser, ...(await enrol(t, browser, email)) };
}

describe('two-factor sign-in', () => {
  it('is set up from a QR code drawn on the server and a first code, and gives ten recovery codes once', async () => {
    const t = createTestApp();
    const browser = await staffBrowser(t, 'staff');
    const page = await browser.get('/admin/account');
    expect(page.text).toContain('<svg');
    expect(page.text).not.toMatch(/<script/i);
    const secret = /class="admin-secret">([A-Z2-7 ]+)</.exec(page.text)![1]!.replace(/ /g, '');
    // A reload shows the same secret: the app already scanned stays right.
    expect((await browser.get('/admin/account')).text).toContain(secret.slice(0, 4));

    const wrong = await browser.post('/admin/account/two-factor', {
      code: '000000' === codeAt(secret, t.clock.now()) ? '111111' : '000000',
    });
    expect(wrong.status).toBe(400);
    expect(wrong.text).toContain('That code does not match');
    expect(memberOf(t, 'staff@socks.test').totpEnabledAt).toBeNull();

    const res = await browser.post('/admin/account/two-factor', { code: codeAt(secret, t.clock.now()) });
    expect(res.status).toBe(200);
    const codes = [...res.text.matchAll(/<li><code>([0-9A-Z]{5}-[0-9A-Z]{5})<\/code><\/li>/g)].map((m) => m[1]);
    expect(new Set(codes).size).toBe(10);
    expect(res.headers['cache-control']).toBe('no-store');
    const member = memberOf(t, 'staff@socks.test');
    expect(member.totpSecret).toBe(secret);
    expect(member.totpPendingSecret).toBeNull();
    // Stored hashed: no code appears in the table.
    const stored = t.ctx.db.select().from(staffRecoveryCodes).all();
    expect(stored).toHaveLength(10);
    for (const code of codes) expect(JSON.stringify(stored)).not.toContain(code!.replace('-', ''));
    expect(auditActions(t)).toContain('staff.two_factor_on');
    // The account page now says so, and never shows the codes again.
    const after = await browser.get('/admin/account');
    expect(after.text).toContain('You have 10 unused recovery codes');
    expect(after.text).not.toContain(codes[0]);
  });

  it('asks for a code after the password, and the session opens nothing until it is right', async () => {
    const t = createTestApp();
    const { secret } = await enrolledAdmin(t);
    t.clock.advance(60_000);
    const step = await passwordStep(t, 'admin@socks.test', '/admin/orders');
    const waiting = await step.agent.get('/admin/orders');
    expect(waiting.status).toBe(303);
    expect(waiting.headers.location).toMatch(/^\/admin\/login\?next=/);

    const wrong = await step.sendCode('12345');
    expect(wrong.status).toBe(401);
    expect(wrong.text).toContain('That code does not match');
    const res = await step.sendCode(codeAt(secret, t.clock.now()).replace(/(\d{3})/, '$1 '));
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/admin/orders');
    expect((await step.agent.get('/admin/orders')).status).toBe(200);
    const signIn = t.ctx.db
      .select()
      .from(auditLog)
      .all()
      .filter((e) => e.action === 'staff.sign_in')
      .at(-1)!;
    expect(JSON.parse(signIn.after!)).toMatchObject({ secondFactor: 'totp' });
    // One wrong code before the right one: the member is told of it.
    expect((await step.agent.get('/admin')).text).toContain('1 failed attempt to sign in');
  });

  it('never takes the same code twice, nor an older one', async () => {
    const t = createTestApp();
    const { secret } = await enrolledAdmin(t);
    t.clock.advance(90_000);
    const code = codeAt(secret, t.clock.now());
    const [first, second] = [await passwordStep(t, 'admin@socks.test'), await passwordStep(t, 'admin@socks.test')];
    // Both browsers send the same code at once: exactly one gets in.
    const answers = await Promise.all([first.sendCode(code), second.sendCode(code)]);
    expect(answers.map((r) => r.status).sort()).toEqual([303, 401]);
    const later = answers[0]!.status === 401 ? first : second;
    expect((await later.sendCode(codeAt(secret, t.clock.now() - 30_000))).status).toBe(401);
    t.clock.advance(30_000);
    expect((await later.sendCode(codeAt(secret, t.clock.now()))).status).toBe(303);
  });

  it('takes each recovery code once, in place of a code', async () => {
    const t = createTestApp();
    const { recoveryCodes } = await enrolledAdmin(t);
    const step = await passwordStep(t, 'admin@socks.test');
    expect((await step.sendCode(recoveryCodes[3]!.toLowerCase())).status).toBe(303);
    const signIn = t.ctx.db
      .select()
      .from(auditLog)
      .all()
      .filter((e) => e.action === 'staff.sign_in')
      .at(-1)!;
    expect(JSON.parse(signIn.after!)).toMatchObject({ secondFactor: 'recovery' });
    const again = await passwordStep(t, 'admin@socks.test');
    expect((await again.sendCode(recoveryCodes[3])).status).toBe(401);
    const page = await again.agent.get('/admin/account');
    expect(page.status).toBe(303); // not signed in
    expect((await again.sendCode(recoveryCodes[4])).status).toBe(303);
    expect((await again.agent.get('/admin/account')).text).toContain('You have 8 unused recovery codes');
  });

  it('throttles wrong codes like wrong passwords, and giving the password again buys no more guesses', async () => {
    const t = createTestApp();
    const { secret } = await enrolledAdmin(t);
    const right = codeAt(secret, t.clock.now() + 120_000);
    t.clock.advance(120_000);
    let step = await passwordStep(t, 'admin@socks.test');
    for (let i = 0; i < 3; i++) expect((await step.sendCode(i === 0 ? '999999' : `00000${i}`)).status).toBe(401);
    step = await passwordStep(t, 'admin@socks.test');
    for (let i = 0; i < 2; i++) expect((await step.sendCode(`11111${i}`)).status).toBe(401);
    const throttled = await step.sendCode(right);
    expect(throttled.status).toBe(429);
    expect(throttled.headers['retry-after']).toBeDefined();
    // Once the window has passed, the right code opens the console.
    t.clock.advance(15 * 60_000);
    step = await passwordStep(t, 'admin@socks.test');
    expect((await step.sendCode(codeAt(secret, t.clock.now()))).status).toBe(303);
  });

  it('gives up on a code that comes more than five minutes after the password', async () => {
    const t = createTestApp();
    const { secret } = await enrolledAdmin(t);
    const step = await passwordStep(t, 'admin@socks.test');
    t.clock.advance(5 * 60_000 + 1);
    const res = await step.sendCode(codeAt(secret, t.clock.now()));
    expect(res.status).toBe(401);
    expect(res.text).toContain('not finished in time');
    expect((await step.agent.get('/admin/login/code')).headers.location).toMatch(/^\/admin\/login/);
  });

  it('refuses hostile codes without a trace of the secret, and a post without the form token', async () => {
    const t = createTestApp();
    const { secret } = await enrolledAdmin(t);
    const before = memberOf(t, 'admin@socks.test');
    const step = await passwordStep(t, 'admin@socks.test');
    for (const code of [
      '9'.repeat(100_000),
      ['123456', '654321'],
      { $ne: 1 },
      '１２３４５６',
      '<script>alert(1)</script>',
    ]) {
      const res = await step.sendCode(code);
      expect([401, 413, 429]).toContain(res.status);
      expect(res.text).not.toContain(secret);
      expect(res.text).not.toMatch(/at \w+ \(/); // no stack trace
    }
    const noToken = await step.agent
      .post('/admin/login/code')
      .type('form')
      .send({ code: codeAt(secret, t.clock.now()) });
    expect(noToken.status).toBe(403);
    const after = memberOf(t, 'admin@socks.test');
    expect(after.totpLastStep).toBe(before.totpLastStep);
  });

  it('lets a member make new recovery codes or turn it off only with a current code', async () => {
    const t = createTestApp();
    const { browser, secret, recoveryCodes } = await enrolledAdmin(t);
    t.clock.advance(30_000);
    expect((await browser.post('/admin/account/recovery-codes', { code: '000001' })).status).toBe(400);
    const renewed = await browser.post('/admin/account/recovery-codes', { code: codeAt(secret, t.clock.now()) });
    expect(renewed.status).toBe(200);
    expect(renewed.text).not.toContain(recoveryCodes[0]);
    const step = await passwordStep(t, 'admin@socks.test');
    expect((await step.sendCode(recoveryCodes[0])).status).toBe(401); // the old codes are gone

    t.clock.advance(30_000);
    const off = await browser.post('/admin/account/two-factor/off', { code: codeAt(secret, t.clock.now()) });
    expect(off.status).toBe(303);
    expect(memberOf(t, 'admin@socks.test').totpSecret).toBeNull();
    expect(auditActions(t)).toEqual(expect.arrayContaining(['staff.recovery_codes_renewed', 'staff.two_factor_off']));
    await signInAs(t, 'admin@socks.test'); // the password alone again
  });
});

describe('two-factor for admins', () => {
  it('can be required only by an admin who has it, and then holds other admins at their account page', async () => {
    const t = createTestApp();
    const other = await staffBrowser(t, 'admin', 'other@socks.test');
    expect((await other.post('/admin/settings/two-factor', { required: 'true' })).status).toBe(400);
    const { browser } = await enrolledAdmin(t);
    expect((await browser.post('/admin/settings/two-factor', { required: 'true' })).status).toBe(303);
    expect(auditActions(t)).toContain('settings.require_two_factor_for_admins');

    // The other admin's next page is their account page, and nothing else opens or changes.
    const held = await other.get('/admin/orders');
    expect(held.status).toBe(303);
    expect(held.headers.location).toBe('/admin/account');
    expect((await other.get('/admin/account')).text).toContain('requires two-factor sign-in for admins');
    const refused = await other.post('/admin/settings/two-factor', { required: 'false' });
    expect(refused.status).toBe(403);
    expect(refused.text).toContain('Set up two-factor sign-in');
    // A staff member is not held.
    const member = await staffBrowser(t, 'staff');
    expect((await member.get('/admin/orders')).status).toBe(200);
    // Once the other admin has it, the console opens; and they cannot turn it off.
    const { secret } = await enrol(t, other, 'other@socks.test');
    expect((await other.get('/admin/orders')).status).toBe(200);
    t.clock.advance(30_000);
    const off = await other.post('/admin/account/two-factor/off', { code: codeAt(secret, t.clock.now()) });
    expect(off.status).toBe(400);
    expect(off.text).toContain('required for admins');
    expect(memberOf(t, 'other@socks.test').totpSecret).toBe(secret);
  });

  it('can be reset for another account by an admin, with a reason, signing them out', async () => {
    const t = createTestApp();
    const { browser: admin } = await enrolledAdmin(t);
    const member = await staffBrowser(t, 'staff');
    await enrol(t, member, 'staff@socks.test');
    const id = memberOf(t, 'staff@socks.test').id;
    expect((await admin.post(`/admin/staff/${id}/two-factor/reset`, { reason: '  ' })).status).toBe(400);
    expect(memberOf(t, 'staff@socks.test').totpSecret).not.toBeNull();
    const res = await admin.post(`/admin/staff/${id}/two-factor/reset`, { reason: 'lost phone, confirmed by a call' });
    expect(res.status).toBe(303);
    expect(memberOf(t, 'staff@socks.test').totpSecret).toBeNull();
    expect(t.ctx.db.select().from(staffRecoveryCodes).where(eq(staffRecoveryCodes.staffId, id)).all()).toEqual([]);
    expect((await member.get('/admin/orders')).status).toBe(303); // signed out
    const reset = t.ctx.db
      .select()
      .from(auditLog)
      .all()
      .find((e) => e.action === 'staff.two_factor_reset')!;
    expect(reset.subject).toBe(`staff:${id}`);
    expect(JSON.parse(reset.after!)).toEqual({ reason: 'lost phone, confirmed by a call' });
    // A staff member cannot reset anyone's.
    const other = await staffBrowser(t, 'staff', 'someone@socks.test');
    expect(
      (await other.post(`/admin/staff/${memberOf(t, 'admin@socks.test').id}/two-factor/reset`, { reason: 'x' })).status,
    ).toBe(403);
    await signInAs(t, 'staff@socks.test');
  });
});

describe('staff:reset-two-factor', () => {
  it('resets an account from the command line with a reason, and explains bad input', async () => {
    const t = createTestApp();
    await enrolledAdmin(t);
    const env = { DATABASE_PATH: t.databasePath, STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET };
    const noReason = await runCli(['staff:reset-two-factor', '--email', 'admin@socks.test'], env);
    expect(noReason.code).toBe(64);
    expect(noReason.stderr).toContain('--reason');
    const unknown = await runCli(['staff:reset-two-factor', '--email', 'who@socks.test', '--reason', 'x'], env);
    expect(unknown.code).toBe(1);
    expect(memberOf(t, 'admin@socks.test').totpSecret).not.toBeNull();
    const res = await runCli(['staff:reset-two-factor', '--email', 'ADMIN@socks.test', '--reason', 'lost phone'], env);
    expect(res.code).toBe(0);
    expect(res.stdout).toContain('two-factor sign-in reset for admin@socks.test');
    expect(memberOf(t, 'admin@socks.test').totpSecret).toBeNull();
    const entry = t.ctx.db
      .select()
      .from(auditLog)
      .all()
      .find((e) => e.action === 'staff.two_factor_reset')!;
    expect(entry.actor).toBe('command line');
    const again = await runCli(['staff:reset-two-factor', '--email', 'admin@socks.test', '--reason', 'again'], env);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('has no second factor to reset');
  });
});

describe('sign-in without two-factor', () => {
  it('still signs in with the password alone', async () => {
    const t = createTestApp();
    await addStaff(t, { email: 'plain@socks.test' });
    const browser = await signInAs(t, 'plain@socks.test');
    expect((await browser.get('/admin/account')).text).toContain('Off.');
  });
});
