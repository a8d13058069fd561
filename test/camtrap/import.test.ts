import fs from 'node:fs';
import path from 'node:path';
import { count } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { importPackage } from '../../src/camtrap/import-package.js';
import {
  cameraWeeks,
  camtrapDeployments,
  camtrapImports,
  camtrapMedia,
  camtrapObservations,
} from '../../src/db/schema/index.js';
import { COMMAND_LINE } from '../../src/staff/audit-log.js';
import {
  copyPackage,
  editFile,
  entriesOf,
  EXAMPLE_PACKAGE,
  writeParkPackage,
  writeZip,
} from '../helpers/camtrap-packages.js';
import { runCli } from '../helpers/run-cli.js';
import { createTestApp, makeTempDir, type TestApp } from '../helpers/test-app.js';

const FIRST_DAY = Date.UTC(2027, 2, 1);

function importInto(t: TestApp, location: string) {
  return importPackage(t.ctx.db, location, {
    actor: COMMAND_LINE,
    now: () => t.clock.now(),
    sourceName: path.basename(location),
  });
}

const rowsIn = (t: TestApp) => ({
  deployments: t.ctx.db.select({ n: count() }).from(camtrapDeployments).get()!.n,
  observations: t.ctx.db.select({ n: count() }).from(camtrapObservations).get()!.n,
  media: t.ctx.db.select({ n: count() }).from(camtrapMedia).get()!.n,
  weeks: t.ctx.db.select({ n: count() }).from(cameraWeeks).get()!.n,
});

describe('importing a Camera Trap Data Package', () => {
  it("imports the standard's own example from the command line, and the same package again changes nothing", async () => {
    const t = createTestApp();
    const env = { DATABASE_PATH: t.databasePath };

    const first = await runCli(['camtrap:import', EXAMPLE_PACKAGE], env);
    const again = await runCli(['camtrap:import', path.join(EXAMPLE_PACKAGE, 'datapackage.json')], env);

    expect(first.code).toBe(0);
    expect(first.stdout).toContain(
      'imported project 86cabc14-d475-4439-98a7-e7b590bed60e: 4 deployments, 423 media, 549 observations read',
    );
    expect(first.stdout).toContain('deployments: 4 added, 0 changed, 0 removed, 0 unchanged');
    expect(first.stdout).toContain('observations: 549 added, 0 changed, 0 removed, 0 unchanged');
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('deployments: 0 added, 0 changed, 0 removed, 4 unchanged');
    expect(again.stdout).toContain('observations: 0 added, 0 changed, 0 removed, 549 unchanged');
    expect(again.stdout).toContain('camera-weeks: 0 added, 0 withdrawn');
    // 33, 9, 12 and 25 days of operating time: 4 + 1 + 1 + 3 whole weeks; the rest is shown but never funded.
    expect(rowsIn(t)).toEqual({ deployments: 4, observations: 549, media: 363, weeks: 9 });
  });

  it('reads a zip of the package, with or without its folder inside', async () => {
    const t = createTestApp();
    const flat = await writeZip(entriesOf(EXAMPLE_PACKAGE));
    const nested = await writeZip(entriesOf(EXAMPLE_PACKAGE, 'export-2027/'));

    expect((await importInto(t, flat)).status).toBe('imported');
    const second = await importInto(t, nested);
    expect(second).toMatchObject({ status: 'imported', summary: { deployments: { unchanged: 4 } } });
  });

  it('accepts a byte-order mark and CRLF line ends', async () => {
    const t = createTestApp();
    const dir = copyPackage();
    editFile(dir, 'deployments.csv', (text) => `\uFEFF${text.replaceAll('\n', '\r\n')}`);
    editFile(dir, 'observations.csv', (text) => text.replaceAll('\n', '\r\n'));

    expect(await importInto(t, dir)).toMatchObject({
      status: 'imported',
      summary: { rows: { deployments: 4, observations: 549 } },
    });
  });

  it('applies a newer export of the project: what was added, changed and removed, keyed by the standard IDs', async () => {
    const t = createTestApp();
    const season = (deployments: { id: string; days: number }[], events: number) =>
      writeParkPackage({
        firstDay: FIRST_DAY,
        deployments: deployments.map((d) => ({ ...d, locationName: `Kedrovaya Pad ${d.id}`, startDay: 0 })),
        events: Array.from({ length: events }, (_, i) => ({
          deploymentId: 'A',
          at: 1 + i,
          scientificName: 'Sus scrofa',
        })),
      });
    expect(
      (
        await importInto(
          t,
          season(
            [
              { id: 'A', days: 21 },
              { id: 'B', days: 14 },
            ],
            3,
          ),
        )
      ).status,
    ).toBe('imported');

    const newer = await importInto(
      t,
      season(
        [
          { id: 'A', days: 28 },
          { id: 'C', days: 7 },
        ],
        4,
      ),
    );

    expect(newer).toMatchObject({
      status: 'imported',
      summary: {
        deployments: { added: 1, changed: 1, removed: 1, unchanged: 0 },
        observations: { added: 1, changed: 0, removed: 0, unchanged: 3 },
        cameraWeeks: { added: 2, withdrawn: 2 },
      },
    });
    const weeks = t.ctx.db.select().from(cameraWeeks).all();
    expect(weeks.filter((w) => !w.isWithdrawn)).toHaveLength(5); // A's 4 weeks, C's 1; B's 2 withdrawn
  });
});

describe('a package that breaks the standard', () => {
  /** Each rule, broken once in a copy of the example: refused whole, with where and why. */
  const cases: [string, (dir: string) => void, RegExp][] = [
    [
      'a missing required value',
      (d) =>
        editFile(d, 'deployments.csv', (t) =>
          t.replace(
            '00a2c20d,e254a13c,B_HS_val 2_processiepark,51.496',
            '00a2c20d,e254a13c,B_HS_val 2_processiepark,NA',
          ),
        ),
      /^deployments\.csv, row 2, latitude: is required but missing$/,
    ],
    [
      'a value of the wrong type',
      (d) =>
        editFile(d, 'media.csv', (t) =>
          t.replace(',true,20200709093328-RCNX0001.JPG', ',yes,20200709093328-RCNX0001.JPG'),
        ),
      /^media\.csv, row 2, filePublic: must be true or false \(got "yes"\)$/,
    ],
    [
      'a value outside its enumeration',
      (d) => editFile(d, 'observations.csv', (t) => t.replace(',event,animal,', ',event,dog,')),
      /^observations\.csv, row 2, observationType: must be one of animal, human/,
    ],
    [
      'a date-time without its offset',
      (d) =>
        editFile(d, 'deployments.csv', (t) =>
          t.replace('2020-05-30T04:57:37+02:00,2020-07-01', '2020-05-30T04:57:37,2020-07-01'),
        ),
      /^deployments\.csv, row 2, deploymentStart: must be a date-time with its offset/,
    ],
    [
      'an end before its start',
      (d) => editFile(d, 'deployments.csv', (t) => t.replace('2020-07-01T11:41:41+02:00', '2020-05-01T11:41:41+02:00')),
      /^deployments\.csv, row 2, deploymentEnd: must not be before deploymentStart$/,
    ],
    [
      'a number out of range',
      (d) => editFile(d, 'deployments.csv', (t) => t.replace(',51.496,4.774,', ',91.5,4.774,')),
      /^deployments\.csv, row 2, latitude: must be at most 90 \(got 91\.5\)$/,
    ],
    [
      'an observation of an unknown deployment',
      (d) => editFile(d, 'observations.csv', (t) => t.replace('705e6036,00a2c20d,', '705e6036,nowhere1,')),
      /^observations\.csv, row 2, deploymentID: "nowhere1" is not a deployment of this package$/,
    ],
    [
      'an observation of an unknown medium',
      (d) =>
        editFile(d, 'observations.csv', (t) =>
          t.replace('07840dcc_1,00a2c20d,07840dcc,', '07840dcc_1,00a2c20d,nosuchmedia,'),
        ),
      /^observations\.csv, row 3, mediaID: "nosuchmedia" is not a medium of this package$/,
    ],
    [
      'a duplicate ID',
      (d) => editFile(d, 'media.csv', (t) => t.replace('401386c7,00a2c20d', '07840dcc,00a2c20d')),
      /^media\.csv, row 3, mediaID: "07840dcc" is used by an earlier row: IDs must be unique$/,
    ],
    [
      'a required column missing from the header',
      (d) =>
        editFile(d, 'media.csv', (t) =>
          t.replace('mediaID,deploymentID,captureMethod,timestamp', 'mediaID,deploymentID,captureMethod,when'),
        ),
      /^media\.csv, row 1, timestamp: is a required column of the standard, and the header lacks it$/,
    ],
    [
      'a descriptor that is not Camtrap DP',
      (d) =>
        editFile(d, 'datapackage.json', (t) =>
          t.replace('camtrap-dp/1.0.2/camtrap-dp-profile.json', 'data-package.json'),
        ),
      /^datapackage\.json, profile: must be the Camtrap DP 1\.0 profile/,
    ],
    [
      'a descriptor without a required property',
      (d) => editFile(d, 'datapackage.json', (t) => JSON.stringify({ ...JSON.parse(t), taxonomic: undefined })),
      /^datapackage\.json, taxonomic: is required by Camtrap DP$/,
    ],
    [
      'a resource path that leaves the package',
      (d) => editFile(d, 'datapackage.json', (t) => t.replace('"path": "media.csv"', '"path": "../media.csv"')),
      /points outside the package/,
    ],
  ];

  it.each(cases)(
    'is refused for %s, with file, row, field and rule, and nothing is written',
    async (_name, breakIt, expected) => {
      const t = createTestApp();
      const dir = copyPackage();
      breakIt(dir);

      const result = await importInto(t, dir);

      expect(result.status).toBe('refused');
      if (result.status !== 'refused') return;
      expect(result.lines[0]).toMatch(expected);
      expect(rowsIn(t)).toEqual({ deployments: 0, observations: 0, media: 0, weeks: 0 });
      expect(t.ctx.db.select().from(camtrapImports).all()).toMatchObject([
        { status: 'refused', problemCount: result.problemCount },
      ]);
    },
  );

  it('lists the first 100 problems and counts the rest, on standard error, and exits 1', async () => {
    const t = createTestApp();
    const dir = copyPackage();
    editFile(dir, 'media.csv', (text) => text.replaceAll('image/jpeg', 'picture'));

    const result = await runCli(['camtrap:import', dir], { DATABASE_PATH: t.databasePath });

    expect(result.code).toBe(1);
    const lines = result.stderr
      .trim()
      .split('\n')
      .filter((line) => !line.startsWith('progress: '));
    expect(lines[0]).toBe(`refused: ${dir} breaks the Camtrap DP standard (423 problems); nothing was written`);
    expect(lines.filter((line) => line.includes('fileMediatype: does not match the standard'))).toHaveLength(100);
    expect(lines.at(-1)).toBe('  …and 323 more problems');
  });

  it('refuses a zip whose paths escape its folder, and a zip built to inflate without end', async () => {
    const t = createTestApp();
    const escaping = await writeZip({ ...entriesOf(EXAMPLE_PACKAGE), 'XX/evil.csv': 'a,b\n' });
    fs.writeFileSync(
      escaping,
      Buffer.from(fs.readFileSync(escaping).toString('latin1').replaceAll('XX/evil.csv', '../evil.csv'), 'latin1'),
    );
    const bomb = await writeZip({ ...entriesOf(EXAMPLE_PACKAGE), 'padding.csv': Buffer.alloc(50 * 1024 ** 2) });

    const escaped = await importInto(t, escaping);
    const exploded = await importInto(t, bomb);

    expect(escaped).toMatchObject({ status: 'refused', lines: [expect.stringMatching(/path outside its own folder/)] });
    expect(exploded).toMatchObject({ status: 'refused', lines: [expect.stringMatching(/inflates \d+ times over/)] });
    expect(rowsIn(t)).toEqual({ deployments: 0, observations: 0, media: 0, weeks: 0 });
  });

  it('refuses what is not a package at all', async () => {
    const t = createTestApp();
    const notZip = path.join(makeTempDir(), 'photos.zip');
    fs.writeFileSync(notZip, 'not a zip');

    expect(await importInto(t, notZip)).toMatchObject({
      status: 'refused',
      lines: [expect.stringMatching(/is not a zip file that can be read/)],
    });
    expect(await importInto(t, makeTempDir())).toMatchObject({
      status: 'refused',
      lines: [expect.stringMatching(/There is no datapackage\.json/)],
    });
  });
});
