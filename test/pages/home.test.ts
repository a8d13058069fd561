import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { addConversionRule } from '../../src/conversion/manage-rules.js';
import { censuses } from '../../src/db/schema/index.js';
import { COMMAND_LINE } from '../../src/staff/audit-log.js';
import { html, textOf } from '../helpers/html.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';
import { TestClock } from '../helpers/test-clock.js';
import { buy, refund } from './shoppers.js';

async function home(t: TestApp) {
  const res = await t.http.get('/');
  expect(res.status).toBe(200);
  expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
  return html(res.text);
}

const figure = (page: ReturnType<typeof html>, name: string) => page.text(`[data-figure=${name}] .figure-value`);

describe('GET / shows the public impact', () => {
  it('shows pairs, trap-weeks, years of watching and supporters, net of refunds', async () => {
    const t = createTestApp();
    await buy(t, { email: 'ada@example.org', pairsPerUnit: 3, quantity: 400 }); // 1,200 pairs
    await buy(t, { email: 'bob@example.org' });
    const refunded = await buy(t, { email: 'carol@example.org', pairsPerUnit: 5 });
    await refund(t, refunded, refunded.amount);
    await t.settle();

    const page = await home(t);

    expect(figure(page, 'pairs')).toBe('1,201');
    expect(figure(page, 'trap-weeks')).toBe('1,201');
    expect(figure(page, 'years')).toBe('23.0'); // 1,201 weeks ÷ 52.18 weeks a year
    expect(figure(page, 'supporters')).toBe('2');
    expect(page.text('[data-figure=pairs]')).toBe('1,201 pairs of socks sold');
  });

  it('speaks in the singular for one pair and shows zeros before the first sale', async () => {
    const t = createTestApp();
    expect(figure(await home(t), 'pairs')).toBe('0');
    // Years of watching appear once there is a year to show: "0.0 years" reads like a rounding error.
    expect((await home(t)).selectAll('[data-figure=years]')).toHaveLength(0);

    await buy(t, { email: 'ada@example.org' });
    await t.settle();
    const page = await home(t);

    expect(page.text('[data-figure=pairs]')).toBe('1 pair of socks sold');
    expect(page.text('[data-figure=trap-weeks]')).toBe('1 camera-trap-week funded');
    expect(page.text('[data-figure=supporters]')).toBe('1 supporter');
  });

  it('shows the latest census with its breakdown', async () => {
    const t = createTestApp();
    const page = await home(t);

    const census = page.select('section[aria-labelledby=census-title]');
    expect(page.text('section[aria-labelledby=census-title] p')).toBe(
      'The latest camera-trap census, on 1 January 2024, counted 103 Amur leopards:',
    );
    expect(page.texts('.breakdown li')).toEqual(['84 adults', '7 adolescents', '12 cubs']);
    expect(census.attrs['aria-labelledby']).toBe('census-title');
  });

  it('draws the census history as inline SVG and lists the same numbers in a table', async () => {
    const t = createTestApp();
    const page = await home(t);

    const svg = page.select('figure.chart svg');
    // The caption says it once; the chart is hidden from screen readers, which read the table instead.
    expect(svg.attrs['aria-hidden']).toBe('true');
    expect(page.text('figure.chart figcaption')).toBe('Amur leopards counted, from 30 in 2012 to 103 in 2024.');
    expect(page.texts('figure.chart text.chart-value')).toEqual(['30', '103']);
    expect(page.selectAll('figure.chart circle.chart-point')).toHaveLength(2);
    // 103 sits higher on the chart (smaller y) than 30.
    const [y2012, y2024] = page.selectAll('figure.chart circle.chart-point').map((c) => Number(c.attrs.cy));
    expect(y2024!).toBeLessThan(y2012!);
    expect(page.rows('table.census-table tbody tr')).toEqual([
      ['5 April 2012', '30', 'not recorded'], // a founding estimate: no adults, adolescents or cubs to show
      ['1 January 2024', '103', '84 adults, 7 adolescents, 12 cubs'],
    ]);
    expect(page.text('table.census-table caption')).toBe('Amur leopards counted, census by census');
  });

  it('follows the census staff publish, and ignores a draft', async () => {
    const t = createTestApp();
    t.ctx.db
      .insert(censuses)
      .values([
        {
          countedOn: '2026-03-01',
          adults: 90,
          adolescents: 10,
          cubs: 15,
          source: 'WildCats Conservation Alliance',
          publishedAt: t.clock.now(),
        },
        { countedOn: '2026-09-01', adults: 1, adolescents: 1, cubs: 1, source: 'draft', publishedAt: null },
      ])
      .run();

    const page = await home(t);

    expect(page.texts('.breakdown li')).toEqual(['90 adults', '10 adolescents', '15 cubs']);
    expect(page.texts('figure.chart text.chart-value')).toEqual(['30', '103', '115']);
    expect(page.rows('table.census-table tbody tr')[2]).toEqual([
      '1 March 2026',
      '115',
      '90 adults, 10 adolescents, 15 cubs',
    ]);
    expect(page.text('figure.chart figcaption')).toBe('Amur leopards counted, from 30 in 2012 to 115 in 2026.');
  });

  it('labels censuses close together once, keeping the latest count and its year', async () => {
    const t = createTestApp();
    t.ctx.db
      .insert(censuses)
      .values({
        countedOn: '2024-06-01',
        adults: 85,
        adolescents: 8,
        cubs: 12,
        source: 'WildCats Conservation Alliance',
        publishedAt: t.clock.now(),
      })
      .run();

    const page = await home(t);

    expect(page.selectAll('figure.chart circle.chart-point')).toHaveLength(3); // every census is still drawn
    expect(page.texts('figure.chart text.chart-value')).toEqual(['30', '105']);
    const years = page.selectAll('figure.chart text.chart-axis').filter((el) => /^\d{4}$/.test(textOf(el)));
    expect(years.map(textOf)).toEqual(['2012', '2024']);
    const lastPoint = page.selectAll('figure.chart circle.chart-point').at(-1)!;
    expect(years.at(-1)!.attrs.x).toBe(lastPoint.attrs.cx); // the year sits under the latest census, not the one before
  });

  it('keeps the founding count labelled when a census follows it closely, and centres a lone label', async () => {
    const t = createTestApp();
    t.ctx.db
      .insert(censuses)
      .values({
        countedOn: '2012-06-01',
        adults: 31,
        adolescents: 0,
        cubs: 0,
        hasBreakdown: false,
        source: 'recount',
        publishedAt: t.clock.now(),
      })
      .run();
    const page = await home(t);
    expect(page.texts('figure.chart text.chart-value')).toEqual(['30', '103']);
    expect(page.selectAll('figure.chart text.chart-value').map((el) => el.attrs['text-anchor'])).toEqual([
      'start',
      'end',
    ]);

    const sameDay = createTestApp();
    sameDay.ctx.database.sqlite.prepare('delete from censuses').run();
    sameDay.ctx.db
      .insert(censuses)
      .values([
        {
          countedOn: '2025-03-01',
          adults: 80,
          adolescents: 8,
          cubs: 10,
          source: 'first count',
          publishedAt: sameDay.clock.now(),
        },
        {
          countedOn: '2025-03-01',
          adults: 81,
          adolescents: 8,
          cubs: 10,
          source: 'corrected count',
          publishedAt: sameDay.clock.now(),
        },
      ])
      .run();
    const lone = (await home(sameDay)).selectAll('figure.chart text.chart-value');
    expect(lone.map((el) => [textOf(el), el.attrs['text-anchor']])).toEqual([['99', 'middle']]);
  });

  it('shows a census another process published a moment before', async () => {
    const t = createTestApp();
    expect((await home(t)).texts('.breakdown li')).toEqual(['84 adults', '7 adolescents', '12 cubs']);

    // A second connection, as the command line or a second server would have.
    const other = new Database(t.databasePath);
    other
      .prepare(
        'insert into censuses (counted_on, adults, adolescents, cubs, source, published_at, created_at) values (?, ?, ?, ?, ?, ?, ?)',
      )
      .run('2026-05-01', 95, 9, 14, 'WildCats Conservation Alliance', t.clock.now(), t.clock.now());
    other.close();

    // The server looks for other processes' commits every 0.2 s (its own writes show at once).
    await new Promise((resolve) => setTimeout(resolve, 250));
    expect((await home(t)).texts('.breakdown li')).toEqual(['95 adults', '9 adolescents', '14 cubs']);
  });

  it('describes what a pair pays for by the conversion rule in force', async () => {
    const oneWeek = await home(createTestApp());
    const twoWeeks = await home(createTestApp({ env: { TRAP_WEEKS_PER_PAIR: '2' } }));

    expect(oneWeek.text('.lead')).toContain(
      'powers a motion-triggered camera trap for one week in Land of Leopard National Park',
    );
    expect(oneWeek.text('p.how')).toContain('Every pair you buy funds one week of a camera trap');
    expect(twoWeeks.text('.lead')).toContain(
      'powers a motion-triggered camera trap for 2 weeks in Land of Leopard National Park',
    );
    expect(twoWeeks.text('p.how')).toContain('Every pair you buy funds 2 weeks of a camera trap');
  });

  it('follows a new conversion rule from the day it takes effect, with no other change to the data', async () => {
    const clock = new TestClock(Date.UTC(2026, 5, 30, 12));
    const t = createTestApp({ clock });
    addConversionRule(
      t.ctx.db,
      { effectiveOn: '2026-07-01', trapWeeksPerPair: 2, donationPerPairMinor: { GBP: 200 } },
      COMMAND_LINE,
      clock.now(),
    );
    expect((await home(t)).text('.lead')).toContain('camera trap for one week in');

    clock.advance(12 * 3_600_000); // midnight: the new rule is in force

    expect((await home(t)).text('.lead')).toContain('camera trap for 2 weeks in');
  });

  it('explains how it works in three sentences and offers the link form', async () => {
    const t = createTestApp();
    const page = await home(t);

    expect(page.text('p.how').match(/[.!?](\s|$)/g)).toHaveLength(3);
    const form = page.select('form.lookup-form');
    expect(form.attrs).toMatchObject({ method: 'post', action: '/impact/lookup' });
    const input = page.select('form.lookup-form input[name=email]');
    expect(page.select('form.lookup-form label').attrs.for).toBe(input.attrs.id);
  });

  it('has one h1, a main landmark and a language', async () => {
    const t = createTestApp();
    const page = await home(t);

    expect(page.selectAll('h1')).toHaveLength(1);
    expect(page.selectAll('main#main')).toHaveLength(1);
    expect(page.select('html').attrs.lang).toBe('en-GB');
  });
});
