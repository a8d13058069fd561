import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { auditLog, staff } from '../../src/db/schema/index.js';
import { runCli } from '../helpers/run-cli.js';
import { addStaff, signInAs, staffBrowser, STAFF_PASSWORD } from '../helpers/staff-console.js';
import { createTestApp, makeTempDir } from '../helpers/test-app.js';
import path from 'node:path';

describe('admin:create', () => {
  it('creates an admin from a password on standard input, who can then sign in', async () => {
    const dir = makeTempDir();
    const env = { DATABASE_PATH: path.join(dir, 'socks.db') };
    const result = await runCli(
      ['admin:create', '--email', 'Boss@Socks.test', '--password-stdin'],
      env,
      `${STAFF_PASSWORD}\n`,
    );
    expect(result.stderr).toBe('');
    expect(result.stdout).toContain('created admin account for boss@socks.test');
    expect(result.code).toBe(0);

    const t = createTestApp({ dir });
    const row = t.ctx.db.select().from(staff).get()!;
    expect(row).toMatchObject({ email: 'boss@socks.test', role: 'admin', isActive: true });
    expect(row.passwordHash).toMatch(/^scrypt\$32768\$8\$1\$/);
    expect(row.passwordHash).not.toContain(STAFF_PASSWORD);
    expect(t.ctx.db.select().from(auditLog).all()).toMatchObject([
      { actor: 'command line', action: 'staff.create', subject: `staff:${row.id}` },
    ]);
    const browser = await signInAs(t, 'boss@socks.test');
    expect((await browser.get('/admin/staff')).status).toBe(200);
  });

  it('refuses a short password, a password as an argument, and no terminal to ask on', async () => {
    const dir = makeTempDir();
    const env = { DATABASE_PATH: path.join(dir, 'socks.db') };
    const short = await runCli(['admin:create', '--email', 'a@socks.test', '--password-stdin'], env, 'short\n');
    expect(short.code).toBe(1);
    expect(short.stderr).toContain('at least 12 characters');
    const asArgument = await runCli(['admin:create', '--email', 'a@socks.test', '--password', STAFF_PASSWORD], env);
    expect(asArgument.code).toBe(64);
    const noTerminal = await runCli(['admin:create', '--email', 'a@socks.test'], env, '');
    expect(noTerminal.code).toBe(64);
    expect(noTerminal.stderr).toContain('--password-stdin');
    const t = createTestApp({ dir });
    expect(t.ctx.db.select().from(staff).all()).toHaveLength(0);
  });
});

describe('staff accounts', () => {
  it('an admin adds a member, changes their role, disables them; each change is audited with before and after', async () => {
    const t = createTestApp();
    const admin = await staffBrowser(t, 'admin', 'boss@socks.test');
    expect(
      (
        await admin.post('/admin/staff', {
          email: 'kit@socks.test',
          name: 'Kit',
          role: 'staff',
          password: STAFF_PASSWORD,
        })
      ).status,
    ).toBe(303);
    const kit = t.ctx.db
      .select()
      .from(staff)
      .where(sql`email = 'kit@socks.test'`)
      .get()!;
    const kitBrowser = await signInAs(t, 'kit@socks.test');
    expect((await kitBrowser.get('/admin/staff')).status).toBe(403);

    expect((await admin.post(`/admin/staff/${kit.id}`, { role: 'admin', isActive: 'true' })).status).toBe(303);
    expect((await kitBrowser.get('/admin')).status).toBe(303); // a role change signs them out
    const kitAgain = await signInAs(t, 'kit@socks.test');
    expect((await kitAgain.get('/admin/staff')).status).toBe(200);

    expect((await admin.post(`/admin/staff/${kit.id}`, { role: 'admin', isActive: 'false' })).status).toBe(303);
    expect((await kitAgain.get('/admin')).status).toBe(303);

    const changes = t.ctx.db
      .select()
      .from(auditLog)
      .where(sql`action like 'staff.%' and action != 'staff.sign_in'`)
      .all();
    expect(changes.map((c) => [c.actor, c.action])).toEqual([
      ['command line', 'staff.create'],
      ['boss@socks.test', 'staff.create'],
      ['boss@socks.test', 'staff.update'],
      ['boss@socks.test', 'staff.update'],
    ]);
    expect(JSON.parse(changes[3]!.before!)).toMatchObject({ role: 'admin', isActive: true });
    expect(JSON.parse(changes[3]!.after!)).toMatchObject({ role: 'admin', isActive: false });
    expect(changes.every((c) => !(c.after ?? '').includes('scrypt'))).toBe(true);
  });

  it('refuses to demote or disable the last active admin', async () => {
    const t = createTestApp();
    const admin = await staffBrowser(t, 'admin', 'boss@socks.test');
    const self = t.ctx.db.select().from(staff).get()!;
    const res = await admin.post(`/admin/staff/${self.id}`, { role: 'staff', isActive: 'true' });
    expect(res.status).toBe(400);
    expect(res.text).toContain('last active admin');
    expect(t.ctx.db.select().from(staff).get()).toMatchObject({ role: 'admin', isActive: true });
  });

  it('refuses a duplicate email and a weak password with a clear message', async () => {
    const t = createTestApp();
    const admin = await staffBrowser(t, 'admin', 'boss@socks.test');
    expect(
      (await admin.post('/admin/staff', { email: 'BOSS@socks.test', role: 'staff', password: STAFF_PASSWORD })).text,
    ).toContain('already an account');
    expect(
      (await admin.post('/admin/staff', { email: 'new@socks.test', role: 'staff', password: 'short' })).text,
    ).toContain('at least 12');
    expect(t.ctx.db.select().from(staff).all()).toHaveLength(1);
  });
});

describe('the audit log', () => {
  it('is readable by staff and cannot be edited or deleted, even with SQL', async () => {
    const t = createTestApp();
    await addStaff(t, { email: 'boss@socks.test', role: 'admin' });
    const browser = await staffBrowser(t, 'staff');
    const page = await browser.get('/admin/audit');
    expect(page.status).toBe(200);
    expect(page.text).toContain('staff.sign_in');
    expect(page.text).toContain('staff.create');
    expect(() => t.ctx.database.sqlite.prepare('update audit_log set actor = ?').run('someone else')).toThrow(
      'append-only',
    );
    expect(() => t.ctx.database.sqlite.prepare('delete from audit_log').run()).toThrow('append-only');
    expect(
      t.ctx.db
        .select()
        .from(auditLog)
        .all()
        .every((e) => e.actor !== 'someone else'),
    ).toBe(true);
  });
});
