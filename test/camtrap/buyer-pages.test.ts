import { describe, expect, it } from 'vitest';
import { importPackage } from '../../src/camtrap/import-package.js';
import { COMMAND_LINE } from '../../src/staff/audit-log.js';
import { writeParkPackage } from '../helpers/camtrap-packages.js';
import { html } from '../helpers/html.js';
import { createTestApp } from '../helpers/test-app.js';
import { buy, refund, tokenOf } from '../pages/shoppers.js';
import { FragmentCache } from '../../src/http/fragment-cache.js';

const FIRST_DAY = Date.UTC(2027, 2, 1); // 1 March 2027

describe("a buyer's many weeks on the cameras", () => {
  it('shows the places, the latest six weeks in full, and every week on a page of their own', async () => {
    const t = createTestApp();
    await buy(t, { email: 'ada@example.org', pairsPerUnit: 9, createdSeconds: FIRST_DAY / 1000 });
    await t.settle();
    const dir = writeParkPackage({
      firstDay: FIRST_DAY,
      deployments: [
        { id: 'KP-01', locationName: 'Kedrovaya Pad', startDay: 0, days: 42 },
        { id: 'BA-02', locationName: 'Barsovy', startDay: 0, days: 21 },
      ],
      events: [
        { deploymentId: 'KP-01', at: 36.5, scientificName: 'Panthera pardus orientalis', lifeStage: 'juvenile' },
        { deploymentId: 'BA-02', at: 2.5, scientificName: 'Panthera pardus orientalis' },
        { deploymentId: 'BA-02', at: 3.5, scientificName: 'Sus scrofa' },
      ],
      hasEventLevel: true,
    });
    expect((await importPackage(t.ctx.db, dir, { actor: COMMAND_LINE, now: () => t.clock.now() })).status).toBe(
      'imported',
    );
    await t.ctx.allocation.drain();
    const token = tokenOf(t, 'ada@example.org');

    const page = html((await t.http.get(`/impact/${token}`)).text);
    expect(page.text('[data-cameras=summary]')).toBe('2 leopard visits on your cameras so far.');
    expect(page.text('#camera-places')).toBe(
      'Where your cameras were: Kedrovaya Pad (6 weeks, 1 leopard visit), Barsovy (3 weeks, 1 leopard visit).',
    );
    expect(page.text('#latest-weeks-title')).toBe('Your latest 6 weeks');
    expect(page.texts('.camera-week-when')).toEqual([
      '5–11 April 2027',
      '29 March – 4 April 2027',
      '22–28 March 2027',
      '15–21 March 2027',
      '15–21 March 2027',
      '8–14 March 2027',
    ]);
    expect(page.text('#all-weeks')).toBe('All 9 of your weeks, with what each camera saw');
    expect(page.select('#all-weeks').attrs.href).toBe(`/impact/${token}/weeks`);

    const res = await t.http.get(`/impact/${token}/weeks`);
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('private, no-store');
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    const all = html(res.text);
    expect(all.text('[data-cameras=summary]')).toBe("9 weeks on the park's cameras, 2 leopard visits.");
    // Earliest first; weeks starting the same day in the order they were given (camera-weeks by id).
    expect(all.texts('.camera-week-where')).toEqual([
      'Barsovy',
      'Kedrovaya Pad',
      'Barsovy',
      'Kedrovaya Pad',
      'Barsovy',
      'Kedrovaya Pad',
      'Kedrovaya Pad',
      'Kedrovaya Pad',
      'Kedrovaya Pad',
    ]);
    expect(all.texts('.camera-week-seen')[0]).toBe('1 leopard visit');
    expect(all.texts('.camera-week-seen')[8]).toBe('1 leopard visit, 1 with a cub');
    expect(all.texts('.camera-week-seen')[1]).toBe('No leopard this week: the camera watched all the same.');
    expect(all.texts('.camera-week-others')).toEqual(['Also seen: wild boar (1).']);
    expect(res.text).not.toMatch(/43\.1|131\.3/); // never where the cameras are

    expect((await t.http.get('/impact/not-a-token/weeks')).status).toBe(404);
  });

  it('lists every week on the page itself while there are no more than six', async () => {
    const t = createTestApp();
    await buy(t, { email: 'ada@example.org', pairsPerUnit: 2, createdSeconds: FIRST_DAY / 1000 });
    await t.settle();
    const dir = writeParkPackage({
      firstDay: FIRST_DAY,
      deployments: [{ id: 'KP-01', locationName: 'Kedrovaya Pad', startDay: 0, days: 14 }],
      events: [],
    });
    await importPackage(t.ctx.db, dir, { actor: COMMAND_LINE, now: () => t.clock.now() });
    await t.ctx.allocation.drain();
    const page = html((await t.http.get(`/impact/${tokenOf(t, 'ada@example.org')}`)).text);
    expect(page.texts('.camera-week-when')).toEqual(['8–14 March 2027', '1–7 March 2027']);
    expect(page.selectAll('#all-weeks')).toEqual([]);
    expect(page.selectAll('#latest-weeks-title')).toEqual([]);
  });
});

describe("a buyer's page kept rendered", () => {
  it('shows every change to their weeks at once: a corrected import, a refund that releases weeks', async () => {
    const t = createTestApp();
    const p = await buy(t, {
      email: 'ada@example.org',
      pairsPerUnit: 2,
      quantity: 2,
      createdSeconds: FIRST_DAY / 1000,
    });
    await t.settle();
    const park = (leopards: number) =>
      writeParkPackage({
        firstDay: FIRST_DAY,
        deployments: [{ id: 'KP-01', locationName: 'Kedrovaya Pad', startDay: 0, days: 21 }],
        events: Array.from({ length: leopards }, (_, i) => ({
          deploymentId: 'KP-01',
          at: 1.5 + i,
          scientificName: 'Panthera pardus orientalis',
        })),
        hasEventLevel: true,
      });
    const importPark = async (leopards: number) => {
      await importPackage(t.ctx.db, park(leopards), { actor: COMMAND_LINE, now: () => t.clock.now() });
      await t.ctx.allocation.drain();
    };
    const token = tokenOf(t, 'ada@example.org');
    const seen = async () => {
      const page = html((await t.http.get(`/impact/${token}`)).text);
      return [
        page.text('[data-cameras=summary]'),
        page.texts('.camera-week-when').length,
        page.texts('[data-cameras=ahead]'),
      ];
    };
    await importPark(1);
    expect(await seen()).toEqual([
      '1 leopard visit on your cameras so far.',
      3,
      [expect.stringMatching(/^1 week is funded ahead/)],
    ]);
    expect(await seen()).toEqual([
      '1 leopard visit on your cameras so far.',
      3,
      [expect.stringMatching(/^1 week is funded ahead/)],
    ]);

    await importPark(3); // the park corrected its observations
    expect((await seen())[0]).toBe('3 leopard visits on your cameras so far.');

    await refund(t, p, 1200); // one pack of two pairs back: the two latest trap-weeks are released
    await t.settle();
    await t.ctx.allocation.drain();
    expect(await seen()).toEqual(['3 leopard visits on your cameras so far.', 2, []]);
  });
});

describe('the fragment cache', () => {
  it('keeps the most recently used entries, up to its capacity, and builds each key once', () => {
    const cache = new FragmentCache<string>(2);
    const built: string[] = [];
    const get = (key: string) => cache.get(key, () => (built.push(key), key.toUpperCase()));
    expect([get('a'), get('b'), get('a'), get('c'), get('a'), get('b')]).toEqual(['A', 'B', 'A', 'C', 'A', 'B']);
    expect(built).toEqual(['a', 'b', 'c', 'b']); // b was the least recent when c came
    expect(cache.size).toBe(2);
  });
});
