import fs from 'node:fs';
import path from 'node:path';
import yazl from 'yazl';
import { makeTempDir } from './test-app.js';

/** The standard's own example package, as vendored (test/fixtures/camtrap/README.md). */
export const EXAMPLE_PACKAGE = path.resolve(import.meta.dirname, '../fixtures/camtrap/example');

const DAY_MS = 86_400_000;
const SCHEMA = (table: string) => `https://raw.githubusercontent.com/tdwg/camtrap-dp/1.0.2/${table}-table-schema.json`;

/** Species of the park, with what a package calls them. */
export const PARK_SPECIES = [
  { scientificName: 'Panthera pardus orientalis', eng: 'Amur leopard' },
  { scientificName: 'Capreolus pygargus', eng: 'Siberian roe deer' },
  { scientificName: 'Sus scrofa', eng: 'wild boar' },
  { scientificName: 'Cervus nippon', eng: 'sika deer' },
  { scientificName: 'Meles leucurus', eng: 'Asian badger' },
];

export interface ParkDeployment {
  id: string;
  locationName: string;
  /** Days after the package's first day. */
  startDay: number;
  days: number;
  hasTimestampIssues?: boolean;
}

export interface ParkEvent {
  deploymentId: string;
  /** Days (may be fractional) after the package's first day. */
  at: number;
  scientificName: string | null;
  /** Photos in the event, each a media-level observation of it. */
  photos?: number;
  lifeStage?: 'adult' | 'subadult' | 'juvenile';
  individualId?: string;
  type?: 'animal' | 'human' | 'blank';
}

export interface ParkPackage {
  projectId?: string;
  /** The first day, in UTC; the park's cameras keep Vladivostok time (+10:00). */
  firstDay: number;
  deployments: ParkDeployment[];
  events: ParkEvent[];
  /** Write event-level observations beside the media-level ones (as Agouti does). */
  hasEventLevel?: boolean;
  /** Photos are public, at `${photoBaseUrl}/${mediaID}.jpg`; without it they are private files. */
  photoBaseUrl?: string;
}

/** A Camtrap DP package shaped like the park's, written into a new folder. */
export function writeParkPackage(pkg: ParkPackage, dir = makeTempDir()): string {
  const offset = '+10:00';
  const time = (dayOffset: number) => localTime(pkg.firstDay + dayOffset * DAY_MS, offset);
  const deployments = pkg.deployments.map((d, i) => [
    d.id,
    `loc-${i}`,
    d.locationName,
    (43.1 + i * 0.01).toFixed(5),
    (131.3 + i * 0.01).toFixed(5),
    '30',
    time(d.startDay),
    time(d.startDay + d.days),
    d.hasTimestampIssues ? 'true' : 'false',
  ]);
  const media: string[][] = [];
  const observations: string[][] = [];
  pkg.events.forEach((event, e) => {
    const eventId = `ev-${e}`;
    const photos = event.photos ?? 1;
    for (let p = 0; p < photos; p++) {
      const mediaId = `m-${e}-${p}`;
      const at = time(event.at + p / 86_400);
      const file = pkg.photoBaseUrl ? `${pkg.photoBaseUrl}/${mediaId}.jpg` : `media/${mediaId}.jpg`;
      const isPublic = pkg.photoBaseUrl ? 'true' : 'false';
      media.push([mediaId, event.deploymentId, 'activityDetection', at, file, isPublic, 'image/jpeg']);
      observations.push(observation(`o-${e}-${p}`, event, mediaId, eventId, at, at, 'media'));
    }
    if (pkg.hasEventLevel)
      observations.push(
        observation(`o-${e}`, event, '', eventId, time(event.at), time(event.at + (photos - 1) / 86_400), 'event'),
      );
  });
  fs.mkdirSync(dir, { recursive: true });
  writeCsv(
    path.join(dir, 'deployments.csv'),
    [
      'deploymentID',
      'locationID',
      'locationName',
      'latitude',
      'longitude',
      'coordinateUncertainty',
      'deploymentStart',
      'deploymentEnd',
      'timestampIssues',
    ],
    deployments,
  );
  writeCsv(
    path.join(dir, 'media.csv'),
    ['mediaID', 'deploymentID', 'captureMethod', 'timestamp', 'filePath', 'filePublic', 'fileMediatype'],
    media,
  );
  writeCsv(
    path.join(dir, 'observations.csv'),
    [
      'observationID',
      'deploymentID',
      'mediaID',
      'eventID',
      'eventStart',
      'eventEnd',
      'observationLevel',
      'observationType',
      'scientificName',
      'count',
      'lifeStage',
      'individualID',
    ],
    observations,
  );
  fs.writeFileSync(
    path.join(dir, 'datapackage.json'),
    JSON.stringify(parkDescriptor(pkg.projectId ?? 'land-of-leopard-2027'), null, 2),
  );
  return dir;
}

function observation(
  id: string,
  event: ParkEvent,
  mediaId: string,
  eventId: string,
  start: string,
  end: string,
  level: 'media' | 'event',
): string[] {
  const type = event.type ?? (event.scientificName ? 'animal' : 'blank');
  return [
    id,
    event.deploymentId,
    mediaId,
    eventId,
    start,
    end,
    level,
    type,
    event.scientificName ?? '',
    type === 'animal' ? '1' : '',
    event.lifeStage ?? '',
    event.individualId ?? '',
  ];
}

export function parkDescriptor(projectId: string) {
  return {
    name: 'land-of-leopard-camera-traps',
    id: `${projectId}-package`,
    profile: 'https://raw.githubusercontent.com/tdwg/camtrap-dp/1.0.2/camtrap-dp-profile.json',
    created: '2027-08-01T00:00:00Z',
    contributors: [{ title: 'WildCats Conservation Alliance' }],
    project: {
      id: projectId,
      title: 'Land of Leopard camera traps',
      samplingDesign: 'systematicRandom',
      captureMethod: ['activityDetection'],
      individualAnimals: true,
      observationLevel: ['media', 'event'],
    },
    spatial: {
      type: 'Polygon',
      coordinates: [
        [
          [131, 42.5],
          [132, 42.5],
          [132, 43.5],
          [131, 43.5],
          [131, 42.5],
        ],
      ],
    },
    temporal: { start: '2027-01-01', end: '2027-12-31' },
    taxonomic: PARK_SPECIES.map(({ scientificName, eng }) => ({ scientificName, vernacularNames: { eng } })),
    resources: ['deployments', 'media', 'observations'].map((name) => ({
      name,
      path: `${name}.csv`,
      profile: 'tabular-data-resource',
      format: 'csv',
      mediatype: 'text/csv',
      encoding: 'utf-8',
      schema: SCHEMA(name),
    })),
  };
}

function localTime(utcMs: number, offset: string): string {
  const hours = Number(offset.slice(1, 3)) * (offset.startsWith('-') ? -1 : 1);
  return `${new Date(utcMs + hours * 3_600_000).toISOString().slice(0, 19)}${offset}`;
}

function writeCsv(file: string, header: string[], rows: string[][]): void {
  const cell = (value: string) => (/[",\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value);
  fs.writeFileSync(file, [header, ...rows].map((row) => row.map(cell).join(',')).join('\n') + '\n');
}

/** A copy of a package folder, to break one thing in it. */
export function copyPackage(from = EXAMPLE_PACKAGE): string {
  const dir = makeTempDir();
  for (const name of fs.readdirSync(from)) fs.copyFileSync(path.join(from, name), path.join(dir, name));
  return dir;
}

/** Rewrites one file of a package folder. */
export function editFile(dir: string, name: string, edit: (text: string) => string): void {
  const file = path.join(dir, name);
  fs.writeFileSync(file, edit(fs.readFileSync(file, 'utf8')));
}

/** Zips entries (name → content) into a file; names are written as given, `..` and all. */
export async function writeZip(
  entries: Record<string, string | Buffer>,
  file = path.join(makeTempDir(), 'package.zip'),
): Promise<string> {
  const zip = new yazl.ZipFile();
  for (const [name, content] of Object.entries(entries))
    zip.addBuffer(Buffer.isBuffer(content) ? content : Buffer.from(content), name, { compress: true });
  zip.end();
  await new Promise<void>((resolve, reject) =>
    zip.outputStream.pipe(fs.createWriteStream(file)).on('close', resolve).on('error', reject),
  );
  return file;
}

/** A package folder's files as zip entries, optionally inside a folder. */
export function entriesOf(dir: string, folder = ''): Record<string, Buffer> {
  return Object.fromEntries(
    fs.readdirSync(dir).map((name) => [`${folder}${name}`, fs.readFileSync(path.join(dir, name))]),
  );
}
