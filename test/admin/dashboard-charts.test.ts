import { describe, expect, it } from 'vitest';
import { html } from '../helpers/html.js';
import { purchase, stripeEvent } from '../helpers/stripe-events.js';
import { staffBrowser } from '../helpers/staff-console.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';
import { TestClock } from '../helpers/test-clock.js';

const at = (iso: string) => Date.parse(iso);

async function buy(t: TestApp, pairs: number, whenIso: string) {
  const p = purchase({ lines: [{ pairsPerUnit: pairs }] });
  await t.deliver(stripeEvent('checkout.session.completed', p.session, { createdSeconds: at(whenIso) / 1000 }));
  await t.settle();
}

describe('the dashboard charts', () => {
  it('draws donations owed, paid and outstanding month by month (a year at most), with every figure in a table', async () => {
    const t = createTestApp({
      clock: new TestClock(at('2025-03-10T12:00:00Z')),
      env: { DONATION_PER_PAIR: 'GBP:100' },
    });
    await buy(t, 3, '2025-01-10T10:00:00Z');
    await buy(t, 2, '2025-03-02T10:00:00Z');
    const browser = await staffBrowser(t);
    await browser.post('/admin/donations', {
      paidOn: '2025-02-08',
      amount: '2.50',
      currency: 'GBP',
      reference: 'BACS 1',
    });

    const doc = html((await browser.get('/admin')).text);
    expect(doc.text('#donations-GBP-caption')).toBe('GBP donations by month');
    const rows = doc.rows('[aria-labelledby=donations-GBP-caption] tbody tr');
    // From the first month with an entry to this one.
    expect(rows).toEqual([
      ['January 2025', '£3.00', '£0.00', '£3.00'],
      ['February 2025', '£0.00', '£2.50', '£0.50'],
      ['March 2025', '£2.00', '£0.00', '£2.50'],
    ]);
    expect(doc.text('.admin-chart figcaption')).toContain(
      'GBP donations over the last 3 months: £5.00 owed and £2.50 paid; £2.50 outstanding at the end of March 2025.',
    );
    // Two bars a month, and the outstanding line through a point a month, in an SVG hidden from screen readers.
    expect(doc.selectAll('.admin-chart svg rect')).toHaveLength(6);
    expect(doc.selectAll('.admin-chart svg circle')).toHaveLength(3);
    expect(doc.select('.admin-chart svg').attrs['aria-hidden']).toBe('true');
  });

  it('draws the latest twelve months when there are more', async () => {
    const t = createTestApp({
      clock: new TestClock(at('2025-03-10T12:00:00Z')),
      env: { DONATION_PER_PAIR: 'GBP:100' },
    });
    await buy(t, 1, '2023-11-10T10:00:00Z');
    const browser = await staffBrowser(t);
    const rows = html((await browser.get('/admin')).text).rows('[aria-labelledby=donations-GBP-caption] tbody tr');
    expect(rows.map((row) => row[0])).toEqual([
      'April 2024',
      'May 2024',
      'June 2024',
      'July 2024',
      'August 2024',
      'September 2024',
      'October 2024',
      'November 2024',
      'December 2024',
      'January 2025',
      'February 2025',
      'March 2025',
    ]);
    // The sale before the window still counts in what is outstanding.
    expect(rows.every((row) => row[3] === '£1.00')).toBe(true);
  });

  it('draws nothing on an empty database, and says so by leaving the section out', async () => {
    const t = createTestApp();
    const browser = await staffBrowser(t);
    const page = (await browser.get('/admin')).text;
    expect(page).not.toContain('Donations to the charity, month by month');
  });
});
