import { describe, expect, it } from 'vitest';
import { createTestApp } from '../helpers/test-app.js';
import { staffBrowser } from '../helpers/staff-console.js';
import { html } from '../helpers/html.js';

describe('the console layout', () => {
  it('frames every page with its own header: who is signed in, the environment, and navigation grouped by job', async () => {
    const t = createTestApp();
    const admin = await staffBrowser(t, 'admin');
    const res = await admin.get('/admin/orders');
    const doc = html(res.text);
    expect(doc.text('.console-brand')).toBe('Socks console');
    expect(doc.text('.console-env')).toBe('test');
    expect(doc.text('.console-user a')).toBe('admin@socks.test');
    expect(doc.texts('.console-group-label')).toEqual(['Sales', 'Money', 'Impact', 'Email', 'Admin']);
    expect(doc.texts('.console-nav a[aria-current="page"]')).toEqual(['Orders']);
    expect(doc.texts('.console-nav a')).toContain('Staff accounts');
    // Not the shoppers' frame: no shopper links in the console.
    expect(res.text).not.toContain('Your own impact page');
    expect(res.text).not.toContain('site-header');
  });

  it('marks the section of a page below it, and shows staff only the links their role opens', async () => {
    const t = createTestApp();
    const member = await staffBrowser(t, 'staff');
    const doc = html((await member.get('/admin/reconciliation/2026-01')).text);
    expect(doc.texts('.console-nav a[aria-current="page"]')).toEqual(['Reconciliation']);
    expect(doc.texts('.console-nav a')).not.toContain('Staff accounts');
    expect(html((await member.get('/admin')).text).texts('.console-nav a[aria-current="page"]')).toEqual(['Dashboard']);
  });

  it('shows no environment badge in production, and the sign-in page no navigation', async () => {
    const t = createTestApp({ env: { NODE_ENV: 'production' } });
    const doc = html((await t.http.get('/admin/login')).text);
    expect(doc.selectAll('.console-env')).toEqual([]);
    expect(doc.selectAll('.console-nav')).toEqual([]);
    expect(doc.text('h1')).toBe('Staff sign-in');
  });
});
