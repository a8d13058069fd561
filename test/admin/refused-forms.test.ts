import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import {
  camtrapProjects,
  censuses,
  conversionRules,
  donationPaymentVoids,
  donationPayments,
  fieldNotes,
  products,
  staff,
  supporters,
} from '../../src/db/schema/index.js';
import { feedbackEnv, iso, lastEmailTo, postGeneric, supporterFlags } from '../email-feedback/feedback-kit.js';
import { html } from '../helpers/html.js';
import { checkoutCompleted } from '../helpers/stripe-events.js';
import { addStaff, enrol, STAFF_PASSWORD, staffBrowser } from '../helpers/staff-console.js';
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

/** The checks every refused form passes: a 400, the reason beside `field`, linked from the summary. */
function refusedAt(res: { status: number; text: string }, field: string, message: string) {
  expect(res.status).toBe(400);
  const doc = html(res.text);
  expect(doc.text(`#${field}-error`)).toBe(message);
  expect(doc.select('#form-error a').attrs.href).toBe(`#${field}`);
  expect(doc.select(`#${field}`).attrs['aria-invalid']).toBe('true');
  expect(doc.select(`#${field}`).attrs['aria-describedby']).toContain(`${field}-error`);
  expect(doc.selectAll('[aria-invalid]')).toHaveLength(1);
  return doc;
}

describe('the remaining console forms, refused', () => {
  it('keeps a product mapping it cannot use', async () => {
    const t = createTestApp({ clock: new TestClock(MARCH) });
    const browser = await staffBrowser(t);
    const typed = { stripeId: 'price_gift', name: 'Gift box <large>', pairsPerUnit: '0' };
    const doc = refusedAt(
      await browser.post('/admin/products', typed),
      'pairsPerUnit',
      'Pairs per unit must be a whole number from 1 to 100.',
    );
    expect(doc.select('#stripeId').attrs.value).toBe('price_gift');
    expect(doc.select('#name').attrs.value).toBe('Gift box <large>');
    expect(doc.select('#pairsPerUnit').attrs.value).toBe('0');
    refusedAt(
      await browser.post('/admin/products', { ...typed, stripeId: 'https://stripe.com/price', pairsPerUnit: '2' }),
      'stripeId',
      'Give a Stripe price id (price_…) or product id (prod_…).',
    );
    expect(t.ctx.db.select().from(products).all()).toEqual([]);

    expect((await browser.post('/admin/products', { ...typed, pairsPerUnit: '2' })).status).toBe(303);
    expect(t.ctx.db.select({ id: products.stripePriceId, pairs: products.pairsPerUnit }).from(products).all()).toEqual([
      { id: 'price_gift', pairs: 2 },
    ]);
  });

  it('keeps a field note that is too long', async () => {
    const t = createTestApp({ clock: new TestClock(MARCH) });
    const browser = await staffBrowser(t);
    const long = `Cubs at trap 17. ${'x'.repeat(1000)}`;
    const doc = refusedAt(
      await browser.post('/admin/field-notes/2025-02', { body: long }),
      'body',
      'A field note can be at most 1000 characters.',
    );
    expect(doc.text('#body')).toBe(long);
    expect(t.ctx.db.select().from(fieldNotes).all()).toEqual([]);

    expect((await browser.post('/admin/field-notes/2025-02', { body: 'Cubs at trap 17.' })).status).toBe(303);
    expect(t.ctx.db.select({ body: fieldNotes.body }).from(fieldNotes).all()).toEqual([{ body: 'Cubs at trap 17.' }]);
  });

  it('keeps a new staff account it refuses, all but the password', async () => {
    const t = createTestApp({ clock: new TestClock(MARCH) });
    const admin = await staffBrowser(t, 'admin', 'boss@socks.test');
    const typed = { email: 'kit@socks.test', name: 'Kit "K" <Smith>', role: 'admin', password: 'short-one' };
    const res = await admin.post('/admin/staff', typed);
    const doc = refusedAt(res, 'password', 'The password must be at least 12 characters long.');
    expect(doc.select('#email').attrs.value).toBe('kit@socks.test');
    expect(doc.select('#name').attrs.value).toBe('Kit "K" <Smith>');
    expect(doc.select('#role option[selected]').attrs.value).toBe('admin');
    expect(doc.select('#password').attrs.value).toBeUndefined();
    expect(res.text).not.toContain('short-one');
    refusedAt(
      await admin.post('/admin/staff', { ...typed, email: 'BOSS@socks.test', password: STAFF_PASSWORD }),
      'email',
      'There is already an account for boss@socks.test.',
    );
    expect(t.ctx.db.select().from(staff).all()).toHaveLength(1);

    expect((await admin.post('/admin/staff', { ...typed, password: STAFF_PASSWORD })).status).toBe(303);
    const kit = t.ctx.db.select().from(staff).where(eq(staff.email, 'kit@socks.test')).get();
    expect(kit).toMatchObject({ name: 'Kit "K" <Smith>', role: 'admin', isActive: true });
  });

  it('shows a refused role change beside that member’s row, as chosen', async () => {
    const t = createTestApp({ clock: new TestClock(MARCH) });
    const admin = await staffBrowser(t, 'admin', 'boss@socks.test');
    const kit = await addStaff(t, { email: 'kit@socks.test', role: 'staff' });
    const boss = t.ctx.db.select().from(staff).where(eq(staff.email, 'boss@socks.test')).get()!;
    const last = 'This is the last active admin; make someone else an admin first.';

    const demoted = refusedAt(
      await admin.post(`/admin/staff/${boss.id}`, { role: 'staff', isActive: 'true' }),
      `role-${boss.id}`,
      last,
    );
    expect(demoted.select(`#role-${boss.id} option[selected]`).attrs.value).toBe('staff');
    expect(demoted.select(`#role-${kit.id} option[selected]`).attrs.value).toBe('staff');
    expect(demoted.select('#role option[selected]').attrs.value).toBe('staff'); // the new-account form is untouched
    const disabled = refusedAt(
      await admin.post(`/admin/staff/${boss.id}`, { role: 'admin', isActive: 'false' }),
      `isActive-${boss.id}`,
      last,
    );
    expect(disabled.select(`#isActive-${boss.id} option[selected]`).attrs.value).toBe('false');
    expect(t.ctx.db.select().from(staff).where(eq(staff.id, boss.id)).get()).toMatchObject({
      role: 'admin',
      isActive: true,
    });

    expect((await admin.post(`/admin/staff/${kit.id}`, { role: 'admin', isActive: 'true' })).status).toBe(303);
    expect(t.ctx.db.select().from(staff).where(eq(staff.id, kit.id)).get()!.role).toBe('admin');
  });

  it('shows a two-factor reset with no reason beside that member’s row, and resets nothing', async () => {
    const t = createTestApp({ clock: new TestClock(MARCH) });
    const admin = await staffBrowser(t, 'admin', 'boss@socks.test');
    await enrol(t, await staffBrowser(t, 'staff', 'kit@socks.test'), 'kit@socks.test');
    const kit = () => t.ctx.db.select().from(staff).where(eq(staff.email, 'kit@socks.test')).get()!;

    const doc = refusedAt(
      await admin.post(`/admin/staff/${kit().id}/two-factor/reset`, { reason: '   ' }),
      `reason-${kit().id}`,
      'Say why the second factor is being reset.',
    );
    expect(doc.select('details[open]').attrs.class).toBe('admin-reset');
    expect(kit().totpEnabledAt).toBe(MARCH);

    const reason = 'lost phone, confirmed by a call';
    expect((await admin.post(`/admin/staff/${kit().id}/two-factor/reset`, { reason })).status).toBe(303);
    expect(kit().totpEnabledAt).toBeNull();
  });

  it('shows a refused void beside that payment’s reason, and voids nothing', async () => {
    const t = createTestApp({ clock: new TestClock(MARCH) });
    const browser = await staffBrowser(t);
    const payment = { paidOn: '2025-03-09', amount: '10.00', currency: 'GBP', reference: 'BACS 1' };
    expect((await browser.post('/admin/donations', payment)).status).toBe(303);
    const id = t.ctx.db.select().from(donationPayments).get()!.id;

    const long = `typed twice ${'x'.repeat(500)}`;
    const doc = refusedAt(
      await browser.post(`/admin/donations/${id}/void`, { reason: long }),
      `reason-${id}`,
      'Keep the reason under 500 characters.',
    );
    expect(doc.select(`#reason-${id}`).attrs.value).toBe(long);
    expect(doc.select('#paidOn').attrs.value).toBe('2025-03-10'); // the record form starts afresh
    expect(doc.select('#currency').attrs.value).toBe('GBP');
    refusedAt(
      await browser.post(`/admin/donations/${id}/void`, { reason: '' }),
      `reason-${id}`,
      'Say why the payment is being voided.',
    );
    expect(t.ctx.db.select().from(donationPaymentVoids).all()).toEqual([]);

    expect((await browser.post(`/admin/donations/${id}/void`, { reason: 'typed twice' })).status).toBe(303);
    expect(t.ctx.db.select({ reason: donationPaymentVoids.reason }).from(donationPaymentVoids).all()).toEqual([
      { reason: 'typed twice' },
    ]);
  });

  it('keeps a camera project’s settings it cannot use', async () => {
    const t = createTestApp({ clock: new TestClock(MARCH) });
    const admin = await staffBrowser(t, 'admin');
    const project = t.ctx.db
      .insert(camtrapProjects)
      .values({ packageProjectId: 'kedrovaya-pad', title: 'Kedrovaya Pad', createdAt: MARCH })
      .returning()
      .get();
    const typed = { coordinatePolicy: 'rounded', photoHosts: 'media.example.org\nhttps://media.example.org/photos' };
    const doc = refusedAt(
      await admin.post(`/admin/camera-data/projects/${project.id}`, typed),
      'photoHosts',
      '"https://media.example.org/photos" is not a host name. Give names only, such as media.example.org: no https://, paths or ports.',
    );
    expect(doc.select('#photoHosts').children).toEqual([typed.photoHosts]);
    expect(doc.select('[name=coordinatePolicy][checked]').attrs.value).toBe('rounded');
    expect(t.ctx.db.select().from(camtrapProjects).get()).toMatchObject({ coordinatePolicy: 'hidden', photoHosts: '' });

    const fixed = { ...typed, photoHosts: 'media.example.org' };
    expect((await admin.post(`/admin/camera-data/projects/${project.id}`, fixed)).status).toBe(303);
    expect(t.ctx.db.select().from(camtrapProjects).get()).toMatchObject({
      coordinatePolicy: 'rounded',
      photoHosts: 'media.example.org',
    });
  });
});

describe('making a bounced address deliverable again, refused', () => {
  it('keeps the reason typed in its own form, not the erase form beside it', async () => {
    const t = createTestApp({ clock: new TestClock(MARCH), env: feedbackEnv });
    await t.deliver(checkoutCompleted({ email: 'ada@example.org', lines: [{ pairsPerUnit: 1 }] }));
    await t.settle();
    const { messageId } = lastEmailTo(t, 'ada@example.org', 'receipt');
    await postGeneric(t, {
      id: 'hb-1',
      type: 'hard_bounce',
      email: 'ada@example.org',
      messageId,
      occurredAt: iso(MARCH),
    });
    expect(supporterFlags(t, 'ada@example.org').isDeliverable).toBe(false);
    const admin = await staffBrowser(t, 'admin');
    const id = t.ctx.db.select().from(supporters).get()!.id;

    const doc = refusedAt(
      await admin.post(`/admin/supporters/${id}/deliverable`, { reason: 'ok' }),
      'reason-deliverable',
      'Say why the address works again (3 to 500 characters).',
    );
    expect(doc.select('#reason-deliverable').attrs.value).toBe('ok');
    expect(doc.text('#reason')).toBe(''); // the erase form's reason
    expect(supporterFlags(t, 'ada@example.org').isDeliverable).toBe(false);

    const fixed = await admin.post(`/admin/supporters/${id}/deliverable`, { reason: 'ok, her mailbox is fixed' });
    expect(fixed.status).toBe(303);
    expect(supporterFlags(t, 'ada@example.org').isDeliverable).toBe(true);
  });
});
