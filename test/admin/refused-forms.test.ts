import { describe, expect, it } from 'vitest';
import { censuses, conversionRules, donationPayments } from '../../src/db/schema/index.js';
import { html } from '../helpers/html.js';
import { staffBrowser } from '../helpers/staff-console.js';
import { createTestApp } from '../helpers/test-app.js';
import { TestClock } from '../helpers/test-clock.js';

const MARCH = Date.parse('2025-03-10T12:00:00Z');

describe('a refused console form', () => {
  it('comes back with what was typed and the reason beside its field, and saves nothing', async () => {
    const t = createTestApp({ clock: new TestClock(MARCH) });
    const browser = await staffBrowser(t);
    const res = await browser.post('/admin/census', {
      countedOn: '2025-02-20',
      adults: '90',
      adolescents: '3',
      cubs: '',
      source: 'WildCats "camera" traps <b>2025</b>',
      note: 'first pass',
    });
    expect(res.status).toBe(400);
    const doc = html(res.text);
    expect(doc.text('#form-error')).toBe(
      'Nothing was saved. Give both adolescents and cubs (0 if there were none), or leave both empty for a head count only.',
    );
    expect(doc.select('#form-error a').attrs.href).toBe('#cubs');
    expect(doc.text('#cubs-error')).toContain('Give both adolescents and cubs');
    expect(doc.select('#cubs').attrs['aria-invalid']).toBe('true');
    expect(doc.select('#cubs').attrs['aria-describedby']).toBe('breakdown-hint cubs-error');
    expect(doc.selectAll('[aria-invalid]')).toHaveLength(1);
    // Everything typed is still there, escaped.
    expect(doc.select('#countedOn').attrs.value).toBe('2025-02-20');
    expect(doc.select('#adults').attrs.value).toBe('90');
    expect(doc.select('#adolescents').attrs.value).toBe('3');
    expect(doc.select('#source').attrs.value).toBe('WildCats "camera" traps <b>2025</b>');
    expect(res.text).not.toContain('<b>2025</b>');
    expect(doc.text('#note')).toBe('first pass');
    expect(
      t.ctx.db
        .select()
        .from(censuses)
        .all()
        .filter((c) => c.countedOn === '2025-02-20'),
    ).toEqual([]);

    // Put right, it saves, and the form is empty again.
    const fixed = await browser.post('/admin/census', {
      countedOn: '2025-02-20',
      adults: '90',
      adolescents: '3',
      cubs: '0',
      source: 'WildCats camera traps',
    });
    expect(fixed.status).toBe(303);
    expect(html((await browser.get('/admin/census')).text).select('#adults').attrs.value).toBe('');
  });

  it('keeps a donation payment that cannot be recorded, at month end as any day', async () => {
    const t = createTestApp({ clock: new TestClock(MARCH) });
    const browser = await staffBrowser(t);
    const typed = {
      paidOn: '2025-03-31',
      amount: '1,250.00',
      currency: 'gbp',
      reference: 'BACS 2025-03',
      note: 'March',
    };
    const future = await browser.post('/admin/donations', typed);
    expect(future.status).toBe(400);
    const doc = html(future.text);
    expect(doc.text('#paidOn-error')).toBe('The payment date cannot be in the future.');
    expect(doc.select('#amount').attrs.value).toBe('1,250.00');
    expect(doc.select('#currency').attrs.value).toBe('gbp');
    expect(doc.select('#reference').attrs.value).toBe('BACS 2025-03');
    expect(doc.text('#note')).toBe('March');
    const amount = html(
      (await browser.post('/admin/donations', { ...typed, paidOn: '2025-03-09', amount: 'lots' })).text,
    );
    expect(amount.text('#amount-error')).toBe('Enter the amount like 250.00.');
    expect(t.ctx.db.select().from(donationPayments).all()).toEqual([]);
    expect((await browser.post('/admin/donations', { ...typed, paidOn: '2025-03-09' })).status).toBe(303);
    expect(
      t.ctx.db
        .select()
        .from(donationPayments)
        .all()
        .map((p) => p.amountMinor),
    ).toEqual([125_000]);
  });

  it('points a conversion rule refusal at its field', async () => {
    const t = createTestApp({ clock: new TestClock(MARCH) });
    const admin = await staffBrowser(t, 'admin');
    const before = t.ctx.db.select().from(conversionRules).all().length;
    const res = await admin.post('/admin/rules', {
      effectiveOn: '2025-04-01',
      trapWeeksPerPair: '2',
      rates: 'GBP one pound',
    });
    expect(res.status).toBe(400);
    const doc = html(res.text);
    expect(doc.text('#rates-error')).toBe('Write each donation like "GBP 1.00" (could not read "GBP one pound").');
    expect(doc.text('#rates')).toBe('GBP one pound');
    expect(doc.select('#trapWeeksPerPair').attrs.value).toBe('2');
    expect(doc.select('#effectiveOn').attrs.value).toBe('2025-04-01');
    const past = html(
      (await admin.post('/admin/rules', { effectiveOn: '2025-03-01', trapWeeksPerPair: '1', rates: 'GBP 1.00' })).text,
    );
    expect(past.text('#effectiveOn-error')).toContain('after today');
    expect(t.ctx.db.select().from(conversionRules).all()).toHaveLength(before);
  });
});
