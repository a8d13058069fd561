import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/client.js';
import type { ParkDeployment, ParkEvent } from '../helpers/camtrap-packages.js';
import { importPark } from '../helpers/camtrap-park.js';
import { html } from '../helpers/html.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';
import { TestClock } from '../helpers/test-clock.js';
import { buy, refund } from './shoppers.js';

const DAY = 86_400_000;
/** The packages' first day: 1 December 2026 (UTC), 10:00 on the park's cameras (+10:00). */
const FIRST_DAY = Date.UTC(2026, 11, 1);
const seconds = (ms: number) => Math.floor(ms / 1000);

/**
 * Kedrovaya Pad runs four weeks from 1 December 2026. Nezhinka starts at 20:00 UTC on 31 December,
 * 06:00 on 1 January 2027 on its own clock, so its three weeks are the park's 2027 (by UTC its first
 * would be 2026). Borisovka runs two weeks from 10 January 2027.
 */
const DEPLOYMENTS: ParkDeployment[] = [
  { id: 'KP-01', locationName: 'Kedrovaya Pad', startDay: 0, days: 28 },
  { id: 'NZ-02', locationName: 'Nezhinka', startDay: 30 + 20 / 24, days: 21 },
  { id: 'BR-03', locationName: 'Borisovka', startDay: 40, days: 14 },
];
const LEOPARD = 'Panthera pardus orientalis';
const EVENTS: ParkEvent[] = [
  { deploymentId: 'KP-01', at: 2, scientificName: LEOPARD }, // week of 1 Dec: nobody funds it
  { deploymentId: 'KP-01', at: 9.5, scientificName: LEOPARD, lifeStage: 'juvenile', photos: 4 }, // week of 8 Dec
  { deploymentId: 'NZ-02', at: 31.5, scientificName: LEOPARD, photos: 3 }, // Nezhinka's first week
  { deploymentId: 'NZ-02', at: 32, scientificName: LEOPARD, lifeStage: 'juvenile' },
  { deploymentId: 'BR-03', at: 41, scientificName: 'Sus scrofa' },
];

/**
 * Ada paid on 5 December for three weeks: Kedrovaya Pad's weeks of 8, 15 and 22 December. Bo paid on
 * 20 December for two: Nezhinka's first two. So 3 of 2026's 4 weeks are funded (1 leopard visit,
 * with a cub) and 2 of 2027's 5 (2 visits, 1 with a cub).
 */
async function parkWithBuyers(t: TestApp) {
  const ada = await buy(t, { email: 'ada@example.org', pairsPerUnit: 3, createdSeconds: seconds(FIRST_DAY + 4 * DAY) });
  const bo = await buy(t, { email: 'bo@example.org', pairsPerUnit: 2, createdSeconds: seconds(FIRST_DAY + 19 * DAY) });
  await t.settle();
  await importPark(t, { firstDay: FIRST_DAY, deployments: DEPLOYMENTS, events: EVENTS });
  return { ada, bo };
}

async function home(t: TestApp) {
  const res = await t.http.get('/');
  expect(res.status).toBe(200);
  return { page: html(res.text), raw: res.text };
}

const share = (page: ReturnType<typeof html>) => ({
  headline: page.text('[data-share=headline]'),
  rows: page.rows('table.share-table tbody tr'),
});

/** A clock after the camera data, so every purchase and week is in the past. */
const appAfterTheData = () => createTestApp({ clock: new TestClock(Date.UTC(2027, 1, 1, 12)) });

describe("GET / shows the share of the park's camera-weeks sock buyers funded", () => {
  it('says plainly that no camera data has arrived yet, and draws no chart', async () => {
    const t = createTestApp();
    const { page } = await home(t);

    expect(page.text('[data-share=none]')).toBe(
      'No camera data from the park has been imported yet. Every week sock buyers fund gets a real camera-week once the park’s data for it arrives: the park collects its cameras twice a year.',
    );
    expect(page.selectAll('figure.chart-share')).toHaveLength(0);
    expect(page.selectAll('table.share-table')).toHaveLength(0);
    expect((await t.http.get('/api/impact')).body.cameraWeeks).toEqual({ years: [] });
  });

  it('counts camera-weeks by the year each starts on its camera’s clock, with the leopards seen on funded weeks, and no coordinates', async () => {
    const t = appAfterTheData();
    await parkWithBuyers(t);

    const { page, raw } = await home(t);

    expect(share(page).headline).toBe('Sock buyers funded 2 of the 5 camera-weeks the park ran in 2027.');
    expect(page.text('[data-share=seen]')).toBe(
      'On those weeks the cameras recorded 2 leopard visits, 1 of them with a cub.',
    );
    expect(share(page).rows).toEqual([
      ['2026', '4', '3', '1 (1 with a cub)'],
      ['2027', '5', '2', '2 (1 with a cub)'],
    ]);
    const api = await t.http.get('/api/impact');
    expect(api.body.cameraWeeks).toEqual({
      years: [
        { year: 2026, ran: 4, funded: 3, leopardVisits: 1, cubVisits: 1 },
        { year: 2027, ran: 5, funded: 2, leopardVisits: 2, cubVisits: 1 },
      ],
    });
    expect(api.body).toMatchObject({ pairs: 5, trapWeeks: 5, supporters: 2 }); // the existing fields, as they were
    // The packages' deployments sit at 43.1…, 131.3…: nothing of where a camera is reaches the public.
    for (const text of [raw, api.text]) expect(text).not.toMatch(/43\.1|131\.3|latitude|longitude/i);
  });

  it('draws a bar per year, the funded part filled, hidden from screen readers that get the caption and the table', async () => {
    const t = appAfterTheData();
    await parkWithBuyers(t);

    const { page } = await home(t);

    const svg = page.select('figure.chart-share svg');
    expect(svg.attrs['aria-hidden']).toBe('true');
    expect(page.text('figure.chart-share figcaption')).toBe(
      'Camera-weeks funded by sock buyers, of those the park ran: 3 of 4 in 2026; 2 of 5 in 2027.',
    );
    expect(page.texts('figure.chart-share text.chart-axis')).toEqual(['2026', '2027']);
    expect(page.texts('figure.chart-share text.chart-value')).toEqual(['3 of 4', '2 of 5']);
    // 544 units of plot for 2027's 5 weeks, the longest year: 108.8 a week.
    const widths = (cls: string) => page.selectAll(`figure.chart-share rect.${cls}`).map((r) => Number(r.attrs.width));
    expect(widths('chart-bar-ran')).toEqual([435.2, 544]);
    expect(widths('chart-bar-funded')).toEqual([326.4, 217.6]);
    // Not colour alone: a key in words, and every number in the table.
    expect(page.texts('figure.chart-share .chart-key li')).toEqual([
      'Funded by sock buyers',
      'The rest of the weeks the park ran',
    ]);
    expect(page.text('table.share-table caption')).toBe(
      'The park’s camera-weeks and those sock buyers funded, year by year',
    );
  });

  it('follows imports, allocations and released weeks at once, and an import by another process within moments', async () => {
    const t = appAfterTheData();
    expect((await home(t)).page.selectAll('[data-share=none]')).toHaveLength(1); // cached before any camera data
    const { ada, bo } = await parkWithBuyers(t);
    expect(share((await home(t)).page).rows[0]).toEqual(['2026', '4', '3', '1 (1 with a cub)']);

    // A refund of one of Ada's three pairs releases her latest week (22 December), and nobody waits for it.
    await refund(t, ada, Math.round(ada.amount / 3));
    await t.settle();
    await t.ctx.allocation.drain();
    expect(share((await home(t)).page).rows[0]).toEqual(['2026', '4', '2', '1 (1 with a cub)']);

    // Cy pays on 5 January: Borisovka's first week (10 January) is the earliest free one after.
    t.clock.advance(60_000);
    await buy(t, { email: 'cy@example.org', createdSeconds: seconds(FIRST_DAY + 35 * DAY) });
    await t.settle();
    await t.ctx.allocation.drain();
    expect(share((await home(t)).page).headline).toBe(
      'Sock buyers funded 3 of the 5 camera-weeks the park ran in 2027.',
    );

    // In one pass of the allocator, a refund releases Bo's second week (Nezhinka's of 8 January) and
    // Dee, who paid on 2 December, takes Ada's released week of 22 December: as many weeks held as before.
    t.clock.advance(60_000);
    await refund(t, bo, Math.round(bo.amount / 2));
    await buy(t, { email: 'dee@example.org', createdSeconds: seconds(FIRST_DAY + DAY) });
    await t.settle();
    await t.ctx.allocation.drain();
    expect(share((await home(t)).page).rows).toEqual([
      ['2026', '4', '3', '1 (1 with a cub)'],
      ['2027', '5', '2', '2 (1 with a cub)'],
    ]);

    // The command line (another connection) imports a fourth camera's week of February 2027.
    const other = openDatabase(t.databasePath);
    const deployments = [...DEPLOYMENTS, { id: 'LZ-04', locationName: 'Lazovsky', startDay: 62, days: 7 }];
    await importPark(t, { firstDay: FIRST_DAY, deployments, events: EVENTS }, other.db);
    other.close();
    await new Promise((resolve) => setTimeout(resolve, 250)); // other processes' commits show within 0.2 s
    expect(share((await home(t)).page)).toEqual({
      headline: 'Sock buyers funded 2 of the 6 camera-weeks the park ran in 2027.',
      rows: [
        ['2026', '4', '3', '1 (1 with a cub)'],
        ['2027', '6', '2', '2 (1 with a cub)'],
      ],
    });
  });
});
