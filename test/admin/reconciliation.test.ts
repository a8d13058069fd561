import { describe, expect, it } from 'vitest';
import { signedOffBalances } from '../../src/db/schema/index.js';
import { chargeRefunded, purchase, stripeEvent } from '../helpers/stripe-events.js';
import { staffBrowser } from '../helpers/staff-console.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';
import { TestClock } from '../helpers/test-clock.js';
import { parseCsv } from './csv.js';

const at = (iso: string) => Date.parse(iso);
const seconds = (iso: string) => Math.floor(at(iso) / 1000);

/** January: two purchases (£3 and £2 owed). February: half of the first refunded, £3 paid to the charity. */
async function januaryAndFebruary(t: TestApp) {
  const first = purchase({ lines: [{ pairsPerUnit: 3, unitAmountMinor: 1200 }] });
  const second = purchase({ lines: [{ pairsPerUnit: 2, unitAmountMinor: 1200 }] });
  await t.deliver(
    stripeEvent('checkout.session.completed', first.session, { createdSeconds: seconds('2025-01-05T10:00:00Z') }),
  );
  await t.deliver(
    stripeEvent('checkout.session.completed', second.session, { createdSeconds: seconds('2025-01-20T10:00:00Z') }),
  );
  await t.deliver(chargeRefunded(first, 600, seconds('2025-02-03T10:00:00Z'))); // 2 of 3 pairs reversed
  await t.settle();
  const browser = await staffBrowser(t, 'staff');
  expect(
    (
      await browser.post('/admin/donations', {
        paidOn: '2025-02-15',
        amount: '3.00',
        currency: 'gbp',
        reference: 'BACS 0001',
        note: '',
      })
    ).status,
  ).toBe(303);
  return { first, second, browser };
}

describe('month-end reconciliation', () => {
  it('balances each month: opening + accrued − reversed − paid = closing, and closing carries to the next opening', async () => {
    const t = createTestApp({ clock: new TestClock(at('2025-03-10T12:00:00Z')) });
    const { browser } = await januaryAndFebruary(t);

    const january = parseCsv((await browser.get('/admin/reconciliation/2025-01.csv')).text);
    expect(january).toEqual([
      {
        currency: 'GBP',
        opening_minor: '0',
        accrued_minor: '500',
        reversed_minor: '0',
        paid_minor: '0',
        closing_minor: '500',
        month: '2025-01',
        status: 'open',
        late_entries: '0',
        late_minor: '0',
      },
    ]);
    const february = parseCsv((await browser.get('/admin/reconciliation/2025-02.csv')).text);
    expect(february[0]).toMatchObject({
      opening_minor: '500',
      accrued_minor: '0',
      reversed_minor: '200',
      paid_minor: '300',
      closing_minor: '0',
    });
    const march = parseCsv((await browser.get('/admin/reconciliation/2025-03.csv')).text);
    expect(march[0]).toMatchObject({ opening_minor: '0', closing_minor: '0' });
  });

  it('serves the summary CSV as a download with the promised columns first', async () => {
    const t = createTestApp({ clock: new TestClock(at('2025-03-10T12:00:00Z')) });
    const { browser } = await januaryAndFebruary(t);
    const res = await browser.get('/admin/reconciliation/2025-02.csv');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).toBe('attachment; filename="reconciliation-2025-02.csv"');
    expect(res.text.split('\r\n')[0]).toMatch(
      /^currency,opening_minor,accrued_minor,reversed_minor,paid_minor,closing_minor,/,
    );
  });

  it('a late refund after its month closed lands in the first open month, labelled late; the closed month never changes', async () => {
    const t = createTestApp({ clock: new TestClock(at('2025-03-10T12:00:00Z')) });
    const { second, browser } = await januaryAndFebruary(t);
    expect((await browser.post('/admin/reconciliation/2025-01/close')).status).toBe(303);
    const januaryClosed = (await browser.get('/admin/reconciliation/2025-01.csv')).text;
    expect(parseCsv(januaryClosed)[0]).toMatchObject({ closing_minor: '500', status: 'closed' });

    await t.deliver(chargeRefunded(second, 1200, seconds('2025-01-25T10:00:00Z'))); // a January refund, delivered in March
    await t.settle();

    expect((await browser.get('/admin/reconciliation/2025-01.csv')).text).toBe(januaryClosed);
    const february = parseCsv((await browser.get('/admin/reconciliation/2025-02.csv')).text);
    expect(february[0]).toMatchObject({
      opening_minor: '500',
      reversed_minor: '400',
      paid_minor: '300',
      closing_minor: '-200',
      late_entries: '1',
      late_minor: '-200',
    });
    const page = await browser.get('/admin/reconciliation/2025-02');
    expect(page.text).toContain('occurred in 2025-01, which was closed');
    expect(page.text).toMatch(/1 entry in GBP totalling -£2\.00/);
    const lines = parseCsv((await browser.get('/admin/reconciliation/2025-02/ledger.csv')).text);
    expect(lines.filter((l) => l.is_late === 'true').map((l) => [l.kind, l.donation_minor, l.occurred_at])).toEqual([
      ['refund', '-200', '2025-01-25T10:00:00.000Z'],
    ]);
    expect(t.ctx.db.select().from(signedOffBalances).all()).toEqual([
      {
        period: '2025-01',
        currency: 'GBP',
        openingMinor: 0,
        accruedMinor: 500,
        reversedMinor: 0,
        paidMinor: 0,
        closingMinor: 500,
      },
    ]);
  });

  it('closes months only in order and only once they have ended', async () => {
    const t = createTestApp({ clock: new TestClock(at('2025-03-10T12:00:00Z')) });
    const { browser } = await januaryAndFebruary(t);
    const outOfOrder = await browser.post('/admin/reconciliation/2025-02/close');
    expect(outOfOrder.status).toBe(400);
    expect(outOfOrder.text).toContain('Close 2025-01 first');
    expect((await browser.post('/admin/reconciliation/2025-01/close')).status).toBe(303);
    expect((await browser.post('/admin/reconciliation/2025-01/close')).text).toContain('already closed');
    expect((await browser.post('/admin/reconciliation/2025-02/close')).status).toBe(303);
    const unfinished = await browser.post('/admin/reconciliation/2025-03/close');
    expect(unfinished.status).toBe(400);
    expect(unfinished.text).toContain('2025-03 has not ended yet');
    expect(
      t.ctx.db
        .select()
        .from(signedOffBalances)
        .all()
        .map((b) => [b.period, b.closingMinor]),
    ).toEqual([
      ['2025-01', 500],
      ['2025-02', 0],
    ]);
  });

  it('streams a month’s ledger lines whose donations add up to the month’s movement', async () => {
    const t = createTestApp({ clock: new TestClock(at('2025-03-10T12:00:00Z')) });
    const { browser } = await januaryAndFebruary(t);
    const res = await browser.get('/admin/reconciliation/2025-02/ledger.csv');
    expect(res.headers['content-disposition']).toBe('attachment; filename="ledger-2025-02.csv"');
    const lines = parseCsv(res.text);
    expect(lines.map((l) => [l.kind, l.category, l.donation_minor, l.pairs])).toEqual([
      ['refund', 'reversed', '-200', '-2'],
      ['donation_paid', 'paid', '-300', '0'],
    ]);
    expect(lines[1]!.reason).toBe('donation paid to the charity, reference BACS 0001');
  });

  it('drills down to a month’s entries by movement and currency', async () => {
    const t = createTestApp({ clock: new TestClock(at('2025-03-10T12:00:00Z')) });
    const { browser, first } = await januaryAndFebruary(t);
    const accrued = await browser.get('/admin/reconciliation/2025-01?category=accrued&currency=GBP');
    expect(accrued.text).toContain(first.session.id);
    expect(accrued.text.match(/<td>sale<\/td>/g)).toHaveLength(2);
    const paid = await browser.get('/admin/reconciliation/2025-01?category=paid');
    expect(paid.text).toContain('No entries.');
  });
});

describe('donations paid', () => {
  it('moves the balance owed, and a void reverses it with a new entry instead of deleting anything', async () => {
    const t = createTestApp({ clock: new TestClock(at('2025-03-10T12:00:00Z')) });
    const { browser } = await januaryAndFebruary(t);
    const owed = async () => /data-currency="GBP">([^<]+)</.exec((await browser.get('/admin/donations')).text)?.[1];
    expect(await owed()).toBe('£0.00');
    expect(
      (
        await browser.post('/admin/donations', {
          paidOn: '2025-03-01',
          amount: '1.50',
          currency: 'GBP',
          reference: 'BACS 0002',
        })
      ).status,
    ).toBe(303);
    expect(await owed()).toBe('-£1.50');

    const id = t.ctx.database.sqlite
      .prepare("select id from donation_payments where reference = 'BACS 0002'")
      .pluck()
      .get() as number;
    expect((await browser.post(`/admin/donations/${id}/void`, { reason: 'typed the wrong amount' })).status).toBe(303);
    expect(await owed()).toBe('£0.00');
    expect((await browser.post(`/admin/donations/${id}/void`, { reason: 'again' })).text).toContain(
      'already been voided',
    );
    const entries = t.ctx.database.sqlite
      .prepare("select donation_minor, reason from ledger_entries where kind = 'donation_paid' order by id")
      .all();
    expect(entries).toEqual([
      { donation_minor: -300, reason: 'donation paid to the charity, reference BACS 0001' },
      { donation_minor: -150, reason: 'donation paid to the charity, reference BACS 0002' },
      { donation_minor: 150, reason: `void of donation payment ${id} (reference BACS 0002): typed the wrong amount` },
    ]);
    expect((await browser.get('/admin/donations')).text).toContain('typed the wrong amount');
  });

  it('refuses bad input with a clear message and records nothing', async () => {
    const t = createTestApp({ clock: new TestClock(at('2025-03-10T12:00:00Z')) });
    const browser = await staffBrowser(t, 'staff');
    const cases: [Record<string, string>, string][] = [
      [{ paidOn: '2025-02-30', amount: '1', currency: 'GBP', reference: 'x' }, 'real day'],
      [{ paidOn: '2025-04-01', amount: '1', currency: 'GBP', reference: 'x' }, 'cannot be in the future'],
      [{ paidOn: '2025-03-01', amount: '1.001', currency: 'GBP', reference: 'x' }, 'like 250.00'],
      [{ paidOn: '2025-03-01', amount: '0', currency: 'GBP', reference: 'x' }, 'more than zero'],
      [{ paidOn: '2025-03-01', amount: '1', currency: 'POUNDS', reference: 'x' }, 'three-letter code'],
      [{ paidOn: '2025-03-01', amount: '1', currency: 'GBP', reference: '' }, 'payment reference'],
    ];
    for (const [form, message] of cases) {
      const res = await browser.post('/admin/donations', form);
      expect(res.status, message).toBe(400);
      expect(res.text).toContain(message);
    }
    expect(t.ctx.database.sqlite.prepare('select count(*) from ledger_entries').pluck().get()).toBe(0);
  });

  it('a payment dated in a closed month is booked in the first open month, and a void of it too', async () => {
    const t = createTestApp({ clock: new TestClock(at('2025-03-10T12:00:00Z')) });
    const { browser } = await januaryAndFebruary(t);
    await browser.post('/admin/reconciliation/2025-01/close');
    await browser.post('/admin/reconciliation/2025-02/close');
    await browser.post('/admin/donations', {
      paidOn: '2025-01-31',
      amount: '2.00',
      currency: 'GBP',
      reference: 'late receipt',
    });
    const march = parseCsv((await browser.get('/admin/reconciliation/2025-03.csv')).text);
    expect(march[0]).toMatchObject({ opening_minor: '0', paid_minor: '200', closing_minor: '-200', late_entries: '1' });
    expect((await browser.get('/admin/donations')).text).toMatch(/2025-03<\/a> <span class="admin-tag warn">late/);

    const id = t.ctx.database.sqlite
      .prepare("select id from donation_payments where reference = 'late receipt'")
      .pluck()
      .get() as number;
    await browser.post(`/admin/donations/${id}/void`, { reason: 'paid twice by mistake' });
    const after = parseCsv((await browser.get('/admin/reconciliation/2025-03.csv')).text);
    expect(after[0]).toMatchObject({ opening_minor: '0', paid_minor: '0', closing_minor: '0', late_entries: '2' });
  });
});
