import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { importPackage } from '../../src/camtrap/import-package.js';
import { COMMAND_LINE } from '../../src/staff/audit-log.js';
import { writeParkPackage, type ParkDeployment, type ParkEvent } from '../helpers/camtrap-packages.js';
import { html } from '../helpers/html.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';
import { buy, refund, tokenOf } from '../pages/shoppers.js';

const DAY = 86_400_000;
const FIRST_DAY = Date.UTC(2027, 2, 1); // 1 March 2027
const seconds = (ms: number) => Math.floor(ms / 1000);

async function importPark(t: TestApp, deployments: ParkDeployment[], events: ParkEvent[] = []) {
  const dir = writeParkPackage({ firstDay: FIRST_DAY, deployments, events, hasEventLevel: true });
  const result = await importPackage(t.ctx.db, dir, {
    actor: COMMAND_LINE,
    now: () => t.clock.now(),
    sourceName: path.basename(dir),
  });
  expect(result.status).toBe('imported');
  await t.ctx.allocation.drain();
}

async function weeksOf(t: TestApp, email: string) {
  const res = await t.http.get(`/api/supporters/${tokenOf(t, email)}`);
  expect(res.status).toBe(200);
  return res.body.cameraWeeks as {
    allocated: number;
    waiting: number;
    ahead: number;
    leopardVisits: number;
    weeks: { start: string; end: string; locationName: string; leopardVisits: number }[];
  };
}

/** A shopper paying for `weeks` trap-weeks on a given day (one week per pair, the default rule). */
async function paidOn(t: TestApp, email: string, day: number, weeks: number) {
  const p = await buy(t, { email, pairsPerUnit: weeks, createdSeconds: seconds(day) });
  await t.settle();
  await t.ctx.allocation.drain();
  return p;
}

describe('each funded trap-week gets a camera-week', () => {
  it('gives a purchase camera-weeks that start on or after the day it was paid, with what each camera saw, and never its coordinates', async () => {
    const t = createTestApp();
    await paidOn(t, 'ada@example.org', FIRST_DAY + 10 * DAY, 2);
    await importPark(
      t,
      [{ id: 'KP-01', locationName: 'Kedrovaya Pad', startDay: 0, days: 35 }],
      [
        {
          deploymentId: 'KP-01',
          at: 15.2,
          scientificName: 'Panthera pardus orientalis',
          photos: 6,
          individualId: 'Leo-12',
        },
        {
          deploymentId: 'KP-01',
          at: 16.5,
          scientificName: 'Panthera pardus orientalis',
          photos: 3,
          lifeStage: 'juvenile',
        },
        { deploymentId: 'KP-01', at: 17.1, scientificName: 'Sus scrofa', photos: 2 },
        { deploymentId: 'KP-01', at: 3, scientificName: 'Panthera pardus orientalis' }, // before the purchase: not hers
      ],
    );

    const weeks = await weeksOf(t, 'ada@example.org');

    // Weeks start on days 0, 7, 14, 21, 28 (in the camera's +10:00 clock); paid on day 10, so 14 and 21.
    expect(weeks).toMatchObject({ allocated: 2, waiting: 0, ahead: 0, leopardVisits: 2 });
    expect(weeks.weeks).toEqual([
      expect.objectContaining({
        start: '2027-03-15',
        end: '2027-03-21',
        locationName: 'Kedrovaya Pad',
        leopardVisits: 2,
        cubVisits: 1,
      }),
      expect.objectContaining({
        start: '2027-03-22',
        end: '2027-03-28',
        locationName: 'Kedrovaya Pad',
        leopardVisits: 0,
      }),
    ]);
    expect(weeks.weeks[0]).toMatchObject({ otherSpecies: [{ name: 'wild boar', visits: 1 }] });
    const page = await t.http.get(`/impact/${tokenOf(t, 'ada@example.org')}`);
    expect(html(page.text).text('[data-cameras=summary]')).toBe('2 leopard visits on your cameras so far.');
    for (const text of [page.text, JSON.stringify(weeks)]) expect(text).not.toMatch(/43\.1|131\.3/); // the camera's latitude and longitude
  });

  it('serves earlier purchases first, and funds the rest ahead when buyers paid for more weeks than the park ran', async () => {
    const t = createTestApp();
    await paidOn(t, 'first@example.org', FIRST_DAY, 2);
    await paidOn(t, 'second@example.org', FIRST_DAY + DAY, 2);
    await importPark(t, [{ id: 'A', locationName: 'Nezhinka', startDay: 2, days: 21 }]);

    expect(await weeksOf(t, 'first@example.org')).toMatchObject({
      allocated: 2,
      ahead: 0,
      weeks: [{ start: '2027-03-03' }, { start: '2027-03-10' }],
    });
    expect(await weeksOf(t, 'second@example.org')).toMatchObject({
      allocated: 1,
      ahead: 1,
      waiting: 0,
      weeks: [{ start: '2027-03-17' }],
    });
  });

  it('keeps weeks waiting until camera data covering them arrives, then gives them out', async () => {
    const t = createTestApp();
    await importPark(t, [{ id: 'A', locationName: 'Barsovy', startDay: 0, days: 14 }]);
    await paidOn(t, 'late@example.org', FIRST_DAY + 20 * DAY, 1);
    expect(await weeksOf(t, 'late@example.org')).toMatchObject({ allocated: 0, waiting: 1, ahead: 0 });

    await importPark(t, [
      { id: 'A', locationName: 'Barsovy', startDay: 0, days: 14 },
      { id: 'B', locationName: 'Borisovka', startDay: 21, days: 14 },
    ]);

    expect(await weeksOf(t, 'late@example.org')).toMatchObject({
      allocated: 1,
      waiting: 0,
      weeks: [{ start: '2027-03-22', locationName: 'Borisovka' }],
    });
  });

  it('never moves a week a buyer was shown: a later import with earlier weeks leaves it where it is', async () => {
    const t = createTestApp();
    await paidOn(t, 'ada@example.org', FIRST_DAY, 1);
    await importPark(t, [{ id: 'B', locationName: 'Borisovka', startDay: 7, days: 7 }]);
    const shown = (await weeksOf(t, 'ada@example.org')).weeks;

    await importPark(t, [
      { id: 'A', locationName: 'Barsovy', startDay: 0, days: 28 },
      { id: 'B', locationName: 'Borisovka', startDay: 7, days: 7 },
    ]);

    expect((await weeksOf(t, 'ada@example.org')).weeks).toEqual(shown);
  });

  it("releases a refunded order's latest weeks to the next buyer waiting, and leaves everyone else's alone", async () => {
    const t = createTestApp();
    const ada = await paidOn(t, 'ada@example.org', FIRST_DAY, 3);
    await paidOn(t, 'bo@example.org', FIRST_DAY + DAY, 1);
    await importPark(t, [{ id: 'A', locationName: 'Kedrovaya Pad', startDay: 2, days: 21 }]);
    expect(await weeksOf(t, 'bo@example.org')).toMatchObject({ allocated: 0, ahead: 1 });
    const adasWeeks = (await weeksOf(t, 'ada@example.org')).weeks;

    await refund(t, ada, Math.round(ada.amount / 3)); // one pair of three
    await t.settle();
    await t.ctx.allocation.drain();

    expect((await weeksOf(t, 'ada@example.org')).weeks).toEqual(adasWeeks.slice(0, 2));
    expect(await weeksOf(t, 'bo@example.org')).toMatchObject({
      allocated: 1,
      ahead: 0,
      weeks: [{ start: adasWeeks[2]!.start }],
    });
    expect(t.totals()).toMatchObject({ trapWeeks: 3 });
  });

  it('re-matches the weeks of a deployment a correction removed, and says so on the page', async () => {
    const t = createTestApp();
    await paidOn(t, 'ada@example.org', FIRST_DAY, 1);
    await importPark(t, [{ id: 'WRONG', locationName: 'Mistaken camera', startDay: 0, days: 7 }]);
    expect((await weeksOf(t, 'ada@example.org')).weeks).toMatchObject([{ locationName: 'Mistaken camera' }]);

    await importPark(t, [{ id: 'RIGHT', locationName: 'Kedrovaya Pad', startDay: 0, days: 7 }]);

    expect((await weeksOf(t, 'ada@example.org')).weeks).toMatchObject([{ locationName: 'Kedrovaya Pad' }]);
    const page = html((await t.http.get(`/impact/${tokenOf(t, 'ada@example.org')}`)).text);
    expect(page.text('.camera-week-when .status-note')).toBe('(a replacement: the park corrected its data)');
  });

  it('funds no week of a deployment with clock trouble, and no part-week', async () => {
    const t = createTestApp();
    await paidOn(t, 'ada@example.org', FIRST_DAY, 2);
    await importPark(t, [
      { id: 'CLOCK', locationName: 'Bad clock', startDay: 0, days: 28, hasTimestampIssues: true },
      { id: 'SHORT', locationName: 'Ten days', startDay: 0, days: 10 },
    ]);

    expect(await weeksOf(t, 'ada@example.org')).toMatchObject({
      allocated: 1,
      ahead: 1,
      weeks: [{ locationName: 'Ten days' }],
    });
  });
});
