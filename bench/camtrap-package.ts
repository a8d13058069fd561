import { once } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import yazl from 'yazl';

/**
 * A Camera Trap Data Package (Camtrap DP 1.0) shaped like a season of Land of Leopard National
 * Park: cameras on game trails across the park's areas, each running the whole season on Vladivostok
 * time (+10:00), their photos in bursts (events), and media-level observations of the classified
 * bursts: Amur leopards (some identified, some with cubs), roe and sika deer, wild boar, badgers,
 * people, and blanks. Written row by row through streams, so a package of any size takes little
 * memory; the same options and seed always give the same bytes.
 *
 *   npm run camtrap:generate -- --out DIR [--deployments N] [--media N] [--observations N]
 *     [--start YYYY-MM-DD] [--days N] [--seed N] [--zip]
 */

export interface CamtrapPackageOptions {
  /** The folder to write (created); with `zip`, the .zip file (`.zip` is added when missing). */
  out: string;
  deployments?: number;
  media?: number;
  /** Media-level observations; at most one per medium, so no more than `media`. */
  observations?: number;
  /** The season's first day, in the park's time zone: YYYY-MM-DD. */
  start?: string;
  /** How long each camera runs. */
  days?: number;
  seed?: number;
  projectId?: string;
  zip?: boolean;
  /** Called after each deployment's rows are written. */
  onProgress?: (deploymentsDone: number, deploymentsTotal: number) => void;
}

export interface GeneratedPackage {
  /** The folder or the .zip: what the importer takes. */
  location: string;
  rows: { deployments: number; media: number; observations: number };
  events: number;
  leopardEvents: number;
  cubEvents: number;
  publicMedia: number;
  /** Camera-weeks the import will make: whole weeks of the deployments without clock trouble. */
  cameraWeeks: number;
  bytes: number;
  seconds: number;
}

export const DEFAULTS = {
  deployments: 500,
  media: 1_000_000,
  observations: 200_000,
  start: '2025-11-01',
  days: 365,
  seed: 2027,
  projectId: 'land-of-leopard-camera-traps',
};

const DAY_MS = 86_400_000;
const OFFSET = '+10:00';
const OFFSET_MS = 10 * 3_600_000;
const PHOTO_INTERVAL_MS = 2000;
/** Photos in a burst, as a camera's settings and an animal's lingering give them. */
const BURST_SIZES = [1, 2, 3, 3, 3, 3, 5, 5, 6, 6, 9, 12];
const TIMESTAMP_ISSUE_CHANCE = 0.005;
const CUB_CHANCE = 0.12;
const IDENTIFIED_CHANCE = 0.8;
const PHOTO_HOST = 'https://photos.leopard-land.example';

/** The park's areas, with a point near their middle; cameras are set within a few kilometres of it. */
const AREAS = [
  { code: 'KP', name: 'Kedrovaya Pad', lat: 43.1, lon: 131.55 },
  { code: 'BA', name: 'Barsovy', lat: 43.25, lon: 131.4 },
  { code: 'NE', name: 'Nezhinskoe', lat: 43.5, lon: 131.75 },
  { code: 'BP', name: 'Borisovskoe Plateau', lat: 43.35, lon: 131.25 },
  { code: 'GR', name: 'Gryaznaya', lat: 43.2, lon: 131.65 },
  { code: 'NA', name: 'Narva', lat: 43.05, lon: 131.3 },
  { code: 'FI', name: 'Filippovka', lat: 43.15, lon: 131.15 },
  { code: 'KR', name: 'Kravtsovka', lat: 43.05, lon: 131.42 },
  { code: 'RY', name: 'Ryazanovka', lat: 43.08, lon: 131.1 },
  { code: 'BM', name: 'Bamburovo', lat: 43.3, lon: 131.55 },
  { code: 'ZA', name: 'Zanadvorovka', lat: 43.4, lon: 131.45 },
  { code: 'SR', name: 'Sukhaya Rechka', lat: 43.5, lon: 131.35 },
  { code: 'AM', name: 'Amba', lat: 43.45, lon: 131.15 },
  { code: 'GA', name: 'Gakkelevka', lat: 43.55, lon: 131.8 },
];
const FEATURES = ['trailGame', 'trailGame', 'trailGame', 'roadDirt', 'trailHiking'];
const HABITATS = ['Korean pine and broadleaf forest', 'Mongolian oak forest', 'river valley', 'rocky ridge'];
const CAMERA_MODELS = ['Reconyx-HF2X', 'Bushnell-CoreDS', 'Browning-BTC8E'];
/** Identified adults, as the park names them: a number and a sex; each area has a dozen nearby. */
const LEOPARDS_PER_AREA = 12;

interface Sighting {
  weight: number;
  type: 'animal' | 'human' | 'blank';
  scientificName: string;
  eng: string;
  rus: string;
  maxCount: number;
}

/** What a classified burst shows, and how often. */
const SIGHTINGS: Sighting[] = [
  {
    weight: 30,
    type: 'animal',
    scientificName: 'Capreolus pygargus',
    eng: 'Siberian roe deer',
    rus: 'сибирская косуля',
    maxCount: 3,
  },
  {
    weight: 16,
    type: 'animal',
    scientificName: 'Cervus nippon',
    eng: 'sika deer',
    rus: 'пятнистый олень',
    maxCount: 4,
  },
  { weight: 14, type: 'animal', scientificName: 'Sus scrofa', eng: 'wild boar', rus: 'кабан', maxCount: 6 },
  {
    weight: 10,
    type: 'animal',
    scientificName: 'Panthera pardus orientalis',
    eng: 'Amur leopard',
    rus: 'дальневосточный леопард',
    maxCount: 1,
  },
  {
    weight: 6,
    type: 'animal',
    scientificName: 'Meles leucurus',
    eng: 'Asian badger',
    rus: 'азиатский барсук',
    maxCount: 2,
  },
  { weight: 8, type: 'human', scientificName: 'Homo sapiens', eng: 'human', rus: 'человек', maxCount: 3 },
  { weight: 16, type: 'blank', scientificName: '', eng: '', rus: '', maxCount: 0 },
];
const LEOPARD = 'Panthera pardus orientalis';
const SIGHTING_WEIGHTS = SIGHTINGS.reduce((sum, s) => sum + s.weight, 0);

const HEADERS = {
  deployments: [
    'deploymentID',
    'locationID',
    'locationName',
    'latitude',
    'longitude',
    'coordinateUncertainty',
    'deploymentStart',
    'deploymentEnd',
    'setupBy',
    'cameraID',
    'cameraModel',
    'cameraHeight',
    'timestampIssues',
    'baitUse',
    'featureType',
    'habitat',
    'deploymentGroups',
  ],
  media: [
    'mediaID',
    'deploymentID',
    'captureMethod',
    'timestamp',
    'filePath',
    'filePublic',
    'fileName',
    'fileMediatype',
  ],
  observations: [
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
    'sex',
    'individualID',
    'classificationMethod',
    'classifiedBy',
  ],
};

/** Writes a park-shaped package (see the module's comment) and says what it holds. */
export async function generateCamtrapPackage(options: CamtrapPackageOptions): Promise<GeneratedPackage> {
  const opts = { ...DEFAULTS, ...options };
  checkOptions(opts);
  const started = performance.now();
  if (!opts.zip) {
    const summary = await writeFolder(opts.out, opts);
    return { ...summary, location: opts.out, seconds: (performance.now() - started) / 1000 };
  }
  const zipFile = opts.out.toLowerCase().endsWith('.zip') ? opts.out : `${opts.out}.zip`;
  const folder = `${zipFile}.parts`;
  try {
    const summary = await writeFolder(folder, opts);
    const bytes = await zipFolder(folder, zipFile);
    return { ...summary, location: zipFile, bytes, seconds: (performance.now() - started) / 1000 };
  } finally {
    fs.rmSync(folder, { recursive: true, force: true });
  }
}

type Options = typeof DEFAULTS & CamtrapPackageOptions;

function checkOptions(opts: Options): void {
  const whole = (name: 'deployments' | 'media' | 'observations' | 'days', least: number) => {
    if (!Number.isSafeInteger(opts[name]) || opts[name] < least)
      throw new Error(`${name} must be a whole number of at least ${least} (got ${opts[name]})`);
  };
  whole('deployments', 1);
  whole('media', 0);
  whole('observations', 0);
  whole('days', 7);
  if (opts.observations > opts.media)
    throw new Error(`observations (${opts.observations}) cannot outnumber media (${opts.media}): one per medium`);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(opts.start) || Number.isNaN(Date.parse(opts.start)))
    throw new Error(`start must be a date, YYYY-MM-DD (got "${opts.start}")`);
}

type Summary = Omit<GeneratedPackage, 'location' | 'seconds'>;

async function writeFolder(folder: string, opts: Options): Promise<Summary> {
  fs.mkdirSync(folder, { recursive: true });
  fs.writeFileSync(path.join(folder, 'datapackage.json'), `${JSON.stringify(descriptor(opts), null, 2)}\n`);
  const files = {
    deployments: new CsvFile(path.join(folder, 'deployments.csv'), HEADERS.deployments),
    media: new CsvFile(path.join(folder, 'media.csv'), HEADERS.media),
    observations: new CsvFile(path.join(folder, 'observations.csv'), HEADERS.observations),
  };
  try {
    const park = new Park(opts, files);
    await park.write();
    await Promise.all(Object.values(files).map((file) => file.end()));
    const bytes = fs.readdirSync(folder).reduce((sum, name) => sum + fs.statSync(path.join(folder, name)).size, 0);
    return {
      rows: { deployments: files.deployments.rows, media: files.media.rows, observations: files.observations.rows },
      ...park.counts,
      bytes,
    };
  } finally {
    for (const file of Object.values(files)) file.destroy();
  }
}

async function zipFolder(folder: string, zipFile: string): Promise<number> {
  const zip = new yazl.ZipFile();
  for (const name of ['datapackage.json', 'deployments.csv', 'media.csv', 'observations.csv'])
    zip.addFile(path.join(folder, name), name, { compress: true });
  zip.end();
  const output = fs.createWriteStream(zipFile);
  zip.outputStream.pipe(output);
  await once(output, 'close');
  return fs.statSync(zipFile).size;
}

/** One CSV file written through a stream: rows gathered into chunks, the writer waiting whenever the disk is behind. */
class CsvFile {
  rows = 0;
  private chunk: string;
  private readonly stream: fs.WriteStream;

  constructor(file: string, header: string[]) {
    this.stream = fs.createWriteStream(file);
    this.chunk = `${header.join(',')}\n`;
  }

  /** Adds a row of cells that need no quoting (see `quoted`). */
  add(cells: (string | number)[]): void {
    this.chunk += `${cells.join(',')}\n`;
    this.rows++;
  }

  get isFull(): boolean {
    return this.chunk.length >= 1 << 16;
  }

  async flush(): Promise<void> {
    const text = this.chunk;
    this.chunk = '';
    if (text && !this.stream.write(text)) await once(this.stream, 'drain');
  }

  async end(): Promise<void> {
    await this.flush();
    this.stream.end();
    await once(this.stream, 'close');
  }

  destroy(): void {
    this.stream.destroy();
  }
}

/** A cell as CSV wants it: quoted when it holds a comma, a quote or a line break. */
function quoted(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/** mulberry32: small, fast, and the same numbers for the same seed everywhere. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** A time as the park's cameras write it: local time with its offset, to the second. */
function localTime(ms: number): string {
  return `${new Date(ms + OFFSET_MS).toISOString().slice(0, 19)}${OFFSET}`;
}

/** Midnight in the park's time zone at the start of a YYYY-MM-DD day. */
function parkMidnight(day: string): number {
  return Date.parse(`${day}T00:00:00Z`) - OFFSET_MS;
}

interface Deployment {
  id: string;
  area: number;
  startAt: number;
  endAt: number;
  hasTimestampIssues: boolean;
}

interface Burst {
  id: string;
  at: number;
  photos: number;
  /** What it shows, or null while nobody has classified it. */
  sighting: Sighting | null;
  /** Photos given an observation: all of a classified burst's, but for the one that meets the total. */
  annotated: number;
  cells: { count: string; lifeStage: string; sex: string; individualId: string };
  isPublicShot: number;
}

/** The season, deployment by deployment: each camera's rows are made and written before the next's. */
class Park {
  readonly counts = { events: 0, leopardEvents: 0, cubEvents: 0, publicMedia: 0, cameraWeeks: 0 };
  private readonly random: () => number;
  private readonly mediaShares: number[];
  private mediaDone = 0;
  private observationsDone = 0;

  constructor(
    private readonly opts: Options,
    private readonly files: Record<keyof typeof HEADERS, CsvFile>,
  ) {
    this.random = seededRandom(opts.seed);
    this.mediaShares = this.shareMedia();
  }

  async write(): Promise<void> {
    const perArea = new Map<number, number>();
    for (let d = 0; d < this.opts.deployments; d++) {
      const area = d % AREAS.length;
      perArea.set(area, (perArea.get(area) ?? 0) + 1);
      const deployment = this.deployment(area, perArea.get(area)!);
      this.writeDeployment(deployment);
      await this.writeBursts(deployment, this.mediaShares[d]!);
      this.opts.onProgress?.(d + 1, this.opts.deployments);
    }
  }

  /** Media per camera: busier trails get more, and the shares add up to the total exactly. */
  private shareMedia(): number[] {
    const weights = Array.from({ length: this.opts.deployments }, () => 0.4 + this.random());
    const total = weights.reduce((sum, w) => sum + w, 0);
    let before = 0;
    let given = 0;
    return weights.map((w) => {
      before += w;
      const upTo = Math.round((this.opts.media * before) / total);
      const share = upTo - given;
      given = upTo;
      return share;
    });
  }

  private deployment(area: number, numberInArea: number): Deployment {
    const code = AREAS[area]!.code;
    // Set up on one of the season's first seven days, during the working day; each runs the whole season.
    const startAt =
      parkMidnight(this.opts.start) +
      Math.floor(this.random() * 7) * DAY_MS +
      (9 + Math.floor(this.random() * 8)) * 3_600_000 +
      Math.floor(this.random() * 60) * 60_000;
    const hasTimestampIssues = this.random() < TIMESTAMP_ISSUE_CHANCE;
    if (!hasTimestampIssues) this.counts.cameraWeeks += Math.floor(this.opts.days / 7);
    return {
      id: `${code}-${String(numberInArea).padStart(3, '0')}`,
      area,
      startAt,
      endAt: startAt + this.opts.days * DAY_MS + 30 * 60_000,
      hasTimestampIssues,
    };
  }

  private writeDeployment(d: Deployment): void {
    const area = AREAS[d.area]!;
    const jitter = () => (this.random() - 0.5) * 0.08;
    const clamp = (value: number, low: number, high: number) => Math.min(high, Math.max(low, value));
    this.files.deployments.add([
      d.id,
      `loc-${d.id}`,
      quoted(area.name),
      clamp(area.lat + jitter(), 43.0, 43.6).toFixed(5),
      clamp(area.lon + jitter(), 131.0, 131.9).toFixed(5),
      String(10 + Math.floor(this.random() * 40)),
      localTime(d.startAt),
      localTime(d.endAt),
      'Land of Leopard ranger team',
      `CAM-${String(Math.floor(this.random() * 9000) + 1000)}`,
      pick(CAMERA_MODELS, this.random),
      (0.5 + this.random() * 0.6).toFixed(2),
      String(d.hasTimestampIssues),
      'false',
      pick(FEATURES, this.random),
      quoted(pick(HABITATS, this.random)),
      quoted(`area:${area.name}`),
    ]);
  }

  /** The camera's bursts over its season, earliest first, with their photos and observations. */
  private async writeBursts(d: Deployment, media: number): Promise<void> {
    const sizes: number[] = [];
    for (let left = media; left > 0; left -= sizes.at(-1)!) sizes.push(Math.min(left, pick(BURST_SIZES, this.random)));
    const span = d.endAt - d.startAt - 2 * 3_600_000;
    const times = sizes.map(() => d.startAt + 3_600_000 + Math.floor((this.random() * span) / 1000) * 1000);
    times.sort((a, b) => a - b);
    for (let e = 0; e < sizes.length; e++) {
      const burst = this.burst(d, e, times[e]!, sizes[e]!);
      this.writeBurst(d, burst);
      if (this.files.media.isFull) await this.files.media.flush();
      if (this.files.observations.isFull) await this.files.observations.flush();
    }
    await this.files.deployments.flush();
  }

  private burst(d: Deployment, index: number, at: number, photos: number): Burst {
    this.counts.events++;
    this.mediaDone += photos;
    // Classified bursts keep pace with the media written, so the observations come out at exactly the total asked.
    const due = Math.floor((this.opts.observations * this.mediaDone) / Math.max(this.opts.media, 1));
    const isClassified = this.observationsDone < due;
    const annotated = isClassified ? Math.min(photos, this.opts.observations - this.observationsDone) : 0;
    this.observationsDone += annotated;
    const sighting = isClassified ? pickWeighted(this.random) : null;
    const isLeopard = sighting?.scientificName === LEOPARD;
    return {
      id: `${d.id}-e${String(index + 1).padStart(5, '0')}`,
      at,
      photos,
      sighting,
      annotated,
      cells: sighting ? this.cellsFor(sighting, d.area) : { count: '', lifeStage: '', sex: '', individualId: '' },
      isPublicShot: isLeopard ? 0.3 : sighting ? 0.02 : 0.005,
    };
  }

  /** Count, life stage, sex and identity: a leopard is sometimes a known adult, sometimes a cub. */
  private cellsFor(sighting: Sighting, area: number): Burst['cells'] {
    const count = sighting.maxCount ? String(1 + Math.floor(this.random() * sighting.maxCount)) : '';
    if (sighting.scientificName !== LEOPARD) {
      return { count, lifeStage: sighting.type === 'animal' ? 'adult' : '', sex: '', individualId: '' };
    }
    this.counts.leopardEvents++;
    if (this.random() < CUB_CHANCE) {
      this.counts.cubEvents++;
      return { count: this.random() < 0.4 ? '2' : '1', lifeStage: 'juvenile', sex: '', individualId: '' };
    }
    if (this.random() >= IDENTIFIED_CHANCE) return { count: '1', lifeStage: 'adult', sex: '', individualId: '' };
    const number = area * (LEOPARDS_PER_AREA - 3) + 1 + Math.floor(this.random() * LEOPARDS_PER_AREA);
    const sex = number % 3 === 0 ? 'male' : 'female';
    return { count: '1', lifeStage: 'adult', sex, individualId: `Leo ${number}${sex === 'male' ? 'M' : 'F'}` };
  }

  private writeBurst(d: Deployment, burst: Burst): void {
    for (let p = 0; p < burst.photos; p++) {
      const mediaId = `${burst.id}-${p + 1}`;
      const taken = localTime(burst.at + p * PHOTO_INTERVAL_MS);
      const isPublic = this.random() < burst.isPublicShot;
      if (isPublic) this.counts.publicMedia++;
      const file = `${d.id}/${mediaId}.jpg`;
      this.files.media.add([
        mediaId,
        d.id,
        'activityDetection',
        taken,
        isPublic ? `${PHOTO_HOST}/${file}` : `media/${file}`,
        String(isPublic),
        `IMG_${mediaId}.JPG`,
        'image/jpeg',
      ]);
      if (p < burst.annotated) this.writeObservation(d, burst, mediaId, taken);
    }
  }

  private writeObservation(d: Deployment, burst: Burst, mediaId: string, taken: string): void {
    const s = burst.sighting!;
    const c = burst.cells;
    this.files.observations.add([
      `${mediaId}_1`,
      d.id,
      mediaId,
      burst.id,
      taken,
      taken,
      'media',
      s.type,
      s.scientificName,
      c.count,
      c.lifeStage,
      c.sex,
      c.individualId,
      'human',
      'WildCats volunteer',
    ]);
  }
}

function pick<T>(items: readonly T[], random: () => number): T {
  return items[Math.floor(random() * items.length)]!;
}

function pickWeighted(random: () => number): Sighting {
  let at = random() * SIGHTING_WEIGHTS;
  for (const sighting of SIGHTINGS) {
    at -= sighting.weight;
    if (at < 0) return sighting;
  }
  return SIGHTINGS.at(-1)!;
}

/** The datapackage.json: Camtrap DP 1.0's required properties, the three tables on the standard's schemas. */
function descriptor(opts: Options) {
  const startYear = opts.start.slice(0, 4);
  const lastDay = new Date(parkMidnight(opts.start) + OFFSET_MS + (opts.days + 6) * DAY_MS).toISOString().slice(0, 10);
  const schema = (table: string) =>
    `https://raw.githubusercontent.com/tdwg/camtrap-dp/1.0.2/${table}-table-schema.json`;
  return {
    name: `land-of-leopard-${startYear}`,
    id: `${opts.projectId}-${opts.start}`,
    profile: 'https://raw.githubusercontent.com/tdwg/camtrap-dp/1.0.2/camtrap-dp-profile.json',
    created: `${lastDay}T00:00:00Z`,
    title: `Land of Leopard National Park camera traps, season from ${opts.start}`,
    contributors: [
      { title: 'Land of Leopard National Park', role: 'rightsHolder' },
      { title: 'WildCats Conservation Alliance', role: 'contributor' },
    ],
    licenses: [{ name: 'CC-BY-4.0', scope: 'data' }],
    project: {
      id: opts.projectId,
      title: 'Land of Leopard camera traps',
      samplingDesign: 'targeted',
      captureMethod: ['activityDetection'],
      individualAnimals: true,
      observationLevel: ['media'],
    },
    spatial: {
      type: 'Polygon',
      coordinates: [
        [
          [131.0, 43.0],
          [131.9, 43.0],
          [131.9, 43.6],
          [131.0, 43.6],
          [131.0, 43.0],
        ],
      ],
    },
    temporal: { start: opts.start, end: lastDay },
    taxonomic: SIGHTINGS.filter((s) => s.scientificName).map((s) => ({
      scientificName: s.scientificName,
      taxonRank: s.scientificName === LEOPARD ? 'subspecies' : 'species',
      vernacularNames: { eng: s.eng, rus: s.rus },
    })),
    resources: ['deployments', 'media', 'observations'].map((name) => ({
      name,
      path: `${name}.csv`,
      profile: 'tabular-data-resource',
      format: 'csv',
      mediatype: 'text/csv',
      encoding: 'utf-8',
      schema: schema(name),
    })),
  };
}

const USAGE = `npm run camtrap:generate -- --out DIR [options]
  --deployments N   cameras, each running the whole season (default ${DEFAULTS.deployments})
  --media N         photos (default ${DEFAULTS.media})
  --observations N  media-level observations, at most one per photo (default ${DEFAULTS.observations})
  --start DAY       the season's first day, YYYY-MM-DD in the park's time (default ${DEFAULTS.start})
  --days N          days each camera runs (default ${DEFAULTS.days})
  --seed N          another seed, another park (default ${DEFAULTS.seed})
  --zip             write DIR.zip (or DIR, when it ends in .zip) instead of a folder`;

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      out: { type: 'string' },
      deployments: { type: 'string', default: String(DEFAULTS.deployments) },
      media: { type: 'string', default: String(DEFAULTS.media) },
      observations: { type: 'string', default: String(DEFAULTS.observations) },
      start: { type: 'string', default: DEFAULTS.start },
      days: { type: 'string', default: String(DEFAULTS.days) },
      seed: { type: 'string', default: String(DEFAULTS.seed) },
      zip: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help || !values.out) {
    process.stderr.write(`${USAGE}\n`);
    return values.help ? 0 : 2;
  }
  let lastTenth = -1;
  const result = await generateCamtrapPackage({
    out: path.resolve(values.out),
    deployments: Number(values.deployments),
    media: Number(values.media),
    observations: Number(values.observations),
    start: values.start,
    days: Number(values.days),
    seed: Number(values.seed),
    zip: values.zip,
    onProgress: (done, total) => {
      const tenth = Math.floor((10 * done) / total);
      if (tenth === lastTenth) return;
      lastTenth = tenth;
      process.stderr.write(`deployments written: ${done.toLocaleString('en')} / ${total.toLocaleString('en')}\n`);
    },
  });
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}
