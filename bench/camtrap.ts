import { fork } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { sql } from 'drizzle-orm';
import { allocateTrapWeeks } from '../src/camtrap/allocate-weeks.js';
import { importPackage, type ImportSummary } from '../src/camtrap/import-package.js';
import { openDatabase, type Db } from '../src/db/client.js';
import { isoDay } from '../src/lib/clock.js';
import { COMMAND_LINE } from '../src/staff/audit-log.js';
import {
  addBuyers,
  allocatedWeeksOf,
  differingAllocations,
  OPEN_CAMERA_WEEKS,
  plainAllocation,
  plainWeeksFromPackage,
  type Buyer,
} from './camtrap-data.js';
import type { ImportRun } from './camtrap-import.js';
import { DEFAULTS as PARK, generateCamtrapPackage, type GeneratedPackage } from './camtrap-package.js';
import { BENCH_DIR, benchScript, startChildServer } from './child-server.js';
import { appEnv, newWebhookSecret } from './environment.js';
import { generateOrders } from './generate-orders.js';
import { comparePages, fetchPage, machineLine, type PageRoute } from './page-load.js';
import { medianBy } from './rounds.js';

/**
 * Camera-trap data at the park's scale, every figure beside a baseline measured in the same run
 * (the machine may be shared: a ratio to the baseline moves less than a figure alone):
 *
 * - import: a season of the park (500 cameras, 1M photos, 200k observations, bench/camtrap-package.ts)
 *   through importPackage into a fresh database, in a process of its own: rows/s (bar: 50,000 or
 *   more) and peak RSS (bar: under 300 MB). Baseline: the same CSV files through the same CSV reader (Papa Parse) into plain
 *   tables, a prepared insert per row, one transaction (bench/camtrap-import.ts).
 * - allocation: 1M funded trap-weeks, every order listed as changed (as when the feature first
 *   meets a shop's ledger), against a year of 500 cameras (about 26,000 camera-weeks):
 *   allocateTrapWeeks (bar: under 20 s). And 100k trap-weeks waiting when a package covering them
 *   arrives: its import and the allocation after it (bar: under 20 s). Baseline: plain SQL doing
 *   the same inserts and updates in bulk, on a copy of the same database (bench/camtrap-data.ts).
 * - page: GET /impact/:token for buyers with 50 funded weeks on camera against buyers with as many
 *   weeks and no camera data yet (the page as it was), on one app in its own process, in rounds
 *   (bar: 0.9× the page without camera data or better, median round).
 *
 * Prints the figures as JSON, writes them to bench/results/camtrap.json, exits 1 when a bar is missed.
 */

const USAGE = `npm run bench:camtrap -- [options]
  --only LIST          sections: import,allocation,page (default: all)
  --deployments N      cameras in the park's package (default ${PARK.deployments})
  --media N            photos in it (default ${PARK.media.toLocaleString('en')})
  --observations N     observations in it (default ${PARK.observations.toLocaleString('en')})
  --trap-weeks N       funded trap-weeks to allocate (default 1,000,000)
  --waiting N          trap-weeks waiting for the package that covers them (default 100,000)
  --page-orders N      orders behind the buyers' pages (default 1,000,000)
  --page-supporters N  their supporters (default 100,000)
  --buyers N           buyers in each group of the page bench (default 500)
  --weeks N            funded weeks of each of those buyers (default 50)
  --duration S         seconds per measured load (default 6)
  --rounds N           page rounds; the verdict takes the median (default 3)
  --warmup S           seconds of warm-up before the rounds (default 3)
  --connections N      concurrent connections (default 50)
  --keep               keep the temporary files`;

const BARS = { rowsPerSecond: 50_000, peakRssMb: 300, allocateSeconds: 20, importAllocateSeconds: 20, pageRatio: 0.9 };
const SECTIONS = ['import', 'allocation', 'page'] as const;
const DAY_MS = 86_400_000;
/** Media per camera in the packages that only need cameras (allocation): their weeks are what counts. */
const MEDIA_PER_CAMERA = 40;
/** Photos per classified observation, as in the park's own package. */
const MEDIA_PER_OBSERVATION = PARK.media / PARK.observations;
const WEEKS_PER_CAMERA = Math.floor(PARK.days / 7);

const log = (line: string) => process.stderr.write(`${line}\n`);

type Options = ReturnType<typeof readOptions>;

interface Run {
  dir: string;
  opts: Options;
  /** The park's season: a year of cameras that ended before today, so every purchase of the last two years can fund one. */
  seasonStart: string;
  parkPackage(): Promise<GeneratedPackage>;
}

/** A figure against an absolute bar, and both against the baseline's figure from the same run. */
interface Judged {
  figure: number;
  baseline: number;
  /** figure ÷ baseline. */
  ratio: number;
  bar: string;
  /** The bar ÷ baseline: where the bar sits on the ratio's scale on this machine today. */
  barRatio: number;
  pass: boolean;
}

async function main(): Promise<number> {
  const opts = readOptions();
  if (opts.help) return (void process.stdout.write(`${USAGE}\n`), 0);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'socks-bench-camtrap-'));
  const loadAverageAtStart = os.loadavg();
  log(machineLine('bench:camtrap'));
  const run: Run = {
    dir,
    opts,
    seasonStart: isoDay(Date.now() - (365 + 8) * DAY_MS),
    parkPackage: once(() => parkPackage(dir, opts, run.seasonStart)),
  };
  const results: { import?: unknown; allocation?: unknown; page?: unknown } = {};
  try {
    if (opts.only.has('import')) results.import = await benchImport(run);
    if (opts.only.has('allocation')) results.allocation = await benchAllocation(run);
    if (opts.only.has('page')) results.page = await benchPage(run);
  } finally {
    if (opts.keep) log(`kept ${dir}`);
    else fs.rmSync(dir, { recursive: true, force: true });
  }
  const passed = collectPasses(results).every(Boolean);
  const summary = {
    at: new Date().toISOString(),
    machine: { cpus: os.cpus().length, loadAverageAtStart, loadAverageAtEnd: os.loadavg() },
    ...results,
    passed,
  };
  process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  fs.mkdirSync(path.join(BENCH_DIR, 'results'), { recursive: true });
  fs.writeFileSync(path.join(BENCH_DIR, 'results', 'camtrap.json'), `${JSON.stringify(summary, null, 2)}\n`);
  return passed ? 0 : 1;
}

function readOptions() {
  const { values } = parseArgs({
    options: {
      only: { type: 'string', default: SECTIONS.join(',') },
      deployments: { type: 'string', default: String(PARK.deployments) },
      media: { type: 'string', default: String(PARK.media) },
      observations: { type: 'string', default: String(PARK.observations) },
      'trap-weeks': { type: 'string', default: '1000000' },
      waiting: { type: 'string', default: '100000' },
      'page-orders': { type: 'string', default: '1000000' },
      'page-supporters': { type: 'string', default: '100000' },
      buyers: { type: 'string', default: '500' },
      weeks: { type: 'string', default: '50' },
      duration: { type: 'string', default: '6' },
      rounds: { type: 'string', default: '3' },
      warmup: { type: 'string', default: '3' },
      connections: { type: 'string', default: '50' },
      keep: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  const only = new Set(values.only.split(',').map((name) => name.trim()));
  for (const name of only)
    if (!SECTIONS.includes(name as (typeof SECTIONS)[number])) throw new Error(`--only: unknown section "${name}"`);
  return {
    only,
    deployments: whole(values.deployments, '--deployments'),
    media: whole(values.media, '--media'),
    observations: whole(values.observations, '--observations'),
    trapWeeks: whole(values['trap-weeks'], '--trap-weeks'),
    waiting: whole(values.waiting, '--waiting'),
    pageOrders: whole(values['page-orders'], '--page-orders'),
    pageSupporters: whole(values['page-supporters'], '--page-supporters'),
    buyers: whole(values.buyers, '--buyers'),
    weeks: whole(values.weeks, '--weeks'),
    durationS: whole(values.duration, '--duration'),
    rounds: whole(values.rounds, '--rounds'),
    warmupS: whole(values.warmup, '--warmup'),
    connections: whole(values.connections, '--connections'),
    keep: values.keep,
    help: values.help,
  };
}

function whole(raw: string, name: string): number {
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n <= 0) throw new Error(`${name} must be a whole number above 0 (got "${raw}")`);
  return n;
}

function once<T>(make: () => Promise<T>): () => Promise<T> {
  let made: Promise<T> | undefined;
  return () => (made ??= make());
}

async function parkPackage(dir: string, opts: Options, start: string): Promise<GeneratedPackage> {
  log(
    `generating the park's package: ${opts.deployments.toLocaleString('en')} cameras from ${start}, ` +
      `${opts.media.toLocaleString('en')} photos, ${opts.observations.toLocaleString('en')} observations`,
  );
  const pkg = await generateCamtrapPackage({
    out: path.join(dir, 'park'),
    deployments: opts.deployments,
    media: opts.media,
    observations: opts.observations,
    start,
  });
  log(
    `  written in ${pkg.seconds.toFixed(1)} s: ${mb(pkg.bytes)} MB, ${pkg.cameraWeeks.toLocaleString('en')} camera-weeks`,
  );
  return pkg;
}

// ---- import

async function benchImport(run: Run) {
  const pkg = await run.parkPackage();
  log(
    '\n== import: the baseline (the same CSV reader, plain tables), then the app (importPackage), each in its own process ==',
  );
  const baseline = await importInChild('baseline', pkg.location, path.join(run.dir, 'import-baseline.db'));
  const app = await importInChild('app', pkg.location, path.join(run.dir, 'import-app.db'));
  return {
    package: {
      rows: pkg.rows,
      megabytes: mb(pkg.bytes),
      cameraWeeks: pkg.cameraWeeks,
      generatedSeconds: round(pkg.seconds),
    },
    seconds: round(app.seconds),
    baselineSeconds: round(baseline.seconds),
    rowsPerSecond: judged(app.rowsPerSecond, baseline.rowsPerSecond, BARS.rowsPerSecond, 'at least', 'rows/s'),
    peakRssMb: judged(app.peakRssMb, baseline.peakRssMb, BARS.peakRssMb, 'under', 'MB'),
    startRssMb: { app: round(app.startRssMb), baseline: round(baseline.startRssMb) },
    imported: app.summary as ImportSummary,
  };
}

/** One import in a new process (bench/camtrap-import.ts), into a new database file, removed afterwards. */
async function importInChild(mode: ImportRun['mode'], location: string, file: string): Promise<ImportRun> {
  const script = benchScript('camtrap-import.ts');
  const child = fork(script.file, ['--mode', mode, '--package', location, '--db', file], {
    execArgv: script.execArgv,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  try {
    const result = await new Promise<ImportRun>((resolve, reject) => {
      child.once('message', (message) => resolve(message as ImportRun));
      child.once('exit', (code) => reject(new Error(`the ${mode} import exited with ${code}`)));
    });
    log(
      `  ${mode}: ${result.rows.toLocaleString('en')} rows in ${result.seconds.toFixed(1)} s = ` +
        `${Math.round(result.rowsPerSecond).toLocaleString('en')} rows/s; peak RSS ${mb(result.peakRssMb * 2 ** 20)} MB`,
    );
    return result;
  } finally {
    if (child.exitCode === null) await new Promise((resolve) => child.once('exit', resolve));
    for (const suffix of ['', '-wal', '-shm']) fs.rmSync(`${file}${suffix}`, { force: true });
  }
}

// ---- allocation

async function benchAllocation(run: Run) {
  log('\n== allocation: funded trap-weeks matched to camera-weeks ==');
  const funded = await benchFundedWeeks(run);
  const waiting = await benchImportThatAllocates(run);
  return { funded, importThatAllocates: waiting };
}

/** Every trap-week of a million sold, numbered and matched in one pass, against a year of the park's cameras. */
async function benchFundedWeeks(run: Run) {
  const file = path.join(run.dir, 'allocation.db');
  const orders = Math.ceil(run.opts.trapWeeks / 3); // generated orders fund three trap-weeks on average
  const generated = ordersFile(file, orders, 100_000);
  const cameras = await camerasPackage(run, 'cameras', run.opts.deployments);
  await withDatabase(file, (db) => importInto(db, cameras));
  const baselineFile = copyDatabase(file, 'allocation-baseline.db');
  const baseline = await timed(() =>
    plainTransaction(baselineFile, (sqlite) => plainAllocation(sqlite, OPEN_CAMERA_WEEKS, Date.now())),
  );
  log(
    `  baseline (plain SQL): ${baseline.result.toLocaleString('en')} trap-weeks given a week in ${baseline.seconds.toFixed(1)} s`,
  );
  const app = await withDatabase(file, (db) => timed(() => allocateTrapWeeks(db, Date.now())));
  log(
    `  app (allocateTrapWeeks): ${app.result.ordersSynced.toLocaleString('en')} orders numbered, ` +
      `${app.result.allocated.toLocaleString('en')} trap-weeks given a week in ${app.seconds.toFixed(1)} s`,
  );
  const differing = await withDatabase(file, (db) => differingAllocations(db.$client, baselineFile));
  return {
    trapWeeks: generated.trapWeeks,
    orders: generated.orders,
    cameraWeeks: cameras.cameraWeeks,
    allocated: app.result.allocated,
    baselineAllocated: baseline.result,
    /** Trap-weeks numbered or matched otherwise than by the baseline (whose simpler rule agrees here: every purchase precedes the cameras). */
    differingFromBaseline: differing,
    seconds: judged(app.seconds, baseline.seconds, BARS.allocateSeconds, 'under', 's'),
  };
}

/** Trap-weeks waiting for camera data when a package covering them is imported: the import, then the allocation it wakes. */
async function benchImportThatAllocates(run: Run) {
  const file = path.join(run.dir, 'waiting.db');
  const generated = ordersFile(file, Math.ceil(run.opts.waiting / 3), 10_000);
  const numbered = await withDatabase(file, (db) => allocateTrapWeeks(db, Date.now()));
  log(`  ${numbered.ordersSynced.toLocaleString('en')} orders' trap-weeks numbered, all waiting for camera data`);
  // Enough cameras for every waiting week and a few more: weeks of the last days fit only cameras still running then.
  const cameras = await camerasPackage(run, 'covering', Math.ceil((1.04 * generated.trapWeeks) / WEEKS_PER_CAMERA));
  const baselineFile = copyDatabase(file, 'waiting-baseline.db');
  const baseline = await timed(() =>
    plainTransaction(baselineFile, async (sqlite) =>
      plainAllocation(sqlite, await plainWeeksFromPackage(sqlite, cameras.location), Date.now()),
    ),
  );
  log(
    `  baseline (CSV into plain tables, weeks and matches in plain SQL): ${baseline.result.toLocaleString('en')} given a week in ${baseline.seconds.toFixed(1)} s`,
  );
  const app = await withDatabase(file, async (db) => {
    const importSeconds = await importInto(db, cameras);
    const allocated = await timed(() => allocateTrapWeeks(db, Date.now()));
    return { importSeconds, allocateSeconds: allocated.seconds, allocated: allocated.result.allocated };
  });
  const seconds = app.importSeconds + app.allocateSeconds;
  log(
    `  app: import ${app.importSeconds.toFixed(1)} s, then ${app.allocated.toLocaleString('en')} given a week in ${app.allocateSeconds.toFixed(1)} s`,
  );
  return {
    waiting: generated.trapWeeks,
    package: { rows: cameras.rows, cameraWeeks: cameras.cameraWeeks },
    allocated: app.allocated,
    baselineAllocated: baseline.result,
    importSeconds: round(app.importSeconds),
    allocateSeconds: round(app.allocateSeconds),
    seconds: judged(seconds, baseline.seconds, BARS.importAllocateSeconds, 'under', 's'),
  };
}

/** A package of `deployments` cameras over the season with a few photos each: the camera-weeks are what count. */
async function camerasPackage(run: Run, name: string, deployments: number): Promise<GeneratedPackage> {
  const media = deployments * MEDIA_PER_CAMERA;
  const pkg = await generateCamtrapPackage({
    out: path.join(run.dir, name),
    deployments,
    media,
    observations: Math.floor(media / MEDIA_PER_OBSERVATION),
    start: run.seasonStart,
  });
  log(`  package of ${deployments.toLocaleString('en')} cameras: ${pkg.cameraWeeks.toLocaleString('en')} camera-weeks`);
  return pkg;
}

/** A generated shop: `orders` paid orders over the last two years, every one listed for the allocator. */
function ordersFile(file: string, orders: number, supporters: number) {
  log(
    `  generating ${orders.toLocaleString('en')} orders from ${Math.min(orders, supporters).toLocaleString('en')} supporters`,
  );
  let lastTenth = 0;
  const generated = generateOrders({
    out: file,
    orders,
    supporters,
    onProgress: (done, total) => {
      if (Math.floor((10 * done) / total) === lastTenth || done === total) return;
      lastTenth = Math.floor((10 * done) / total);
      log(`    ${done.toLocaleString('en')} / ${total.toLocaleString('en')} orders`);
    },
  });
  log(`    done in ${generated.seconds.toFixed(1)} s: ${generated.trapWeeks.toLocaleString('en')} funded trap-weeks`);
  return generated;
}

/** Imports a package as the command line does; returns the seconds it took. */
async function importInto(db: Db, pkg: GeneratedPackage): Promise<number> {
  const { result, seconds } = await timed(() =>
    importPackage(db, pkg.location, { actor: COMMAND_LINE, now: () => Date.now() }),
  );
  if (result.status === 'refused') throw new Error(`the package was refused:\n${result.lines.join('\n')}`);
  return seconds;
}

async function withDatabase<T>(file: string, work: (db: Db) => T | Promise<T>): Promise<Awaited<T>> {
  const database = openDatabase(file);
  try {
    return await work(database.db);
  } finally {
    database.close();
  }
}

/** A copy of a closed database file, beside it. */
function copyDatabase(file: string, name: string): string {
  const copy = path.join(path.dirname(file), name);
  fs.copyFileSync(file, copy);
  return copy;
}

/** Work in one transaction on a plain connection to the file (the app's pragmas, none of its code), foreign keys off. */
async function plainTransaction<T>(
  file: string,
  work: (sqlite: ReturnType<typeof openDatabase>['sqlite']) => T | Promise<T>,
): Promise<Awaited<T>> {
  const { sqlite, close } = openDatabase(file);
  try {
    sqlite.pragma('foreign_keys = OFF');
    sqlite.exec('begin immediate');
    const result = await work(sqlite);
    sqlite.exec('commit');
    return result;
  } finally {
    close();
  }
}

// ---- page

async function benchPage(run: Run) {
  const { opts } = run;
  log('\n== page: GET /impact/:token with funded weeks on camera, against the same page without camera data ==');
  const file = path.join(run.dir, 'page.db');
  ordersFile(file, opts.pageOrders, opts.pageSupporters);
  const park = await run.parkPackage();
  const groups = await withDatabase(file, (db) => buyerGroups(db, park, opts, run.seasonStart));
  const app = await startChildServer('app-server', appEnv(file, newWebhookSecret()));
  try {
    const location = groups.locationName ?? 'Land of Leopard';
    await fetchPage(app.url, `/impact/${groups.withCameras[0]!.token}`, location);
    await fetchPage(app.url, `/impact/${groups.waiting[0]!.token}`, 'Your orders');
    const without = tokenRoute('GET /impact/:token, no camera data yet', groups.waiting);
    const withCameras = tokenRoute(`GET /impact/:token, ${opts.weeks} weeks on camera`, groups.withCameras);
    log(
      `  warm-up ${opts.warmupS} s each, then ${opts.rounds} rounds of ${opts.durationS} s without camera data and ${opts.durationS} s with, ${opts.connections} connections`,
    );
    const rounds = await comparePages(
      { name: 'without', server: app, route: without },
      { name: 'with', server: app, route: withCameras },
      { ...opts, log },
    );
    const median = medianBy(rounds, (round) => round.ratio);
    return {
      buyers: groups.withCameras.length,
      weeksEach: opts.weeks,
      requestsPerSecond: {
        figure: Math.round(median.candidate.ratePerS),
        baseline: Math.round(median.baseline.ratePerS),
        ratio: round(median.ratio),
        bar: `at least ${BARS.pageRatio}× the page without camera data (median of ${rounds.length} rounds)`,
        pass: median.ratio >= BARS.pageRatio,
      },
      p99Ms: { figure: round(median.candidate.latency.p99Ms), baseline: round(median.baseline.latency.p99Ms) },
      rounds: rounds.map((r) => ({
        withoutPerSecond: Math.round(r.baseline.ratePerS),
        withPerSecond: Math.round(r.candidate.ratePerS),
        ratio: round(r.ratio),
      })),
    };
  } finally {
    await app.stop();
  }
}

/**
 * Two groups of buyers with `weeks` funded weeks each: the first paid before every generated order,
 * so the allocator serves them first and each gets all their weeks on the park's cameras; the
 * second paid just now, after every camera-week the park has sent, so theirs all wait.
 */
async function buyerGroups(db: Db, park: GeneratedPackage, opts: Options, seasonStart: string) {
  log(`  the park's package imported in ${(await importInto(db, park)).toFixed(1)} s`);
  const firstPaidAt = db.get<{ at: number }>(sql`select min(paid_at) as at from orders`)!.at;
  const count = Math.min(opts.buyers, Math.floor(park.cameraWeeks / opts.weeks));
  const withCameras = addBuyers(db, {
    label: 'camera',
    count,
    trapWeeksEach: opts.weeks,
    paidAt: firstPaidAt - DAY_MS,
  });
  const waiting = addBuyers(db, { label: 'waiting', count, trapWeeksEach: opts.weeks, paidAt: Date.now() - 60_000 });
  const allocation = await timed(() => allocateTrapWeeks(db, Date.now()));
  log(
    `  ${allocation.result.ordersSynced.toLocaleString('en')} orders numbered and ${allocation.result.allocated.toLocaleString('en')} weeks matched in ${allocation.seconds.toFixed(1)} s`,
  );
  const seen = withCameras.map((buyer) => allocatedWeeksOf(db, buyer));
  const stray = waiting.filter((buyer) => allocatedWeeksOf(db, buyer).allocated > 0).length;
  if (seen.some((s) => s.allocated !== opts.weeks) || stray > 0)
    throw new Error(
      `buyers were not matched as planned (season from ${seasonStart}): ` +
        `${seen.filter((s) => s.allocated !== opts.weeks).length} short of ${opts.weeks} weeks, ${stray} without data matched`,
    );
  log(`  ${count} buyers with ${opts.weeks} weeks on camera each, ${count} with ${opts.weeks} weeks waiting`);
  return { withCameras, waiting, locationName: seen[0]?.locationName ?? null };
}

function tokenRoute(label: string, buyers: Buyer[]): PageRoute {
  let turn = 0;
  return { label, next: () => `/impact/${buyers[turn++ % buyers.length]!.token}` };
}

// ---- figures

function judged(figure: number, baseline: number, bar: number, direction: 'at least' | 'under', unit: string): Judged {
  return {
    figure: round(figure),
    baseline: round(baseline),
    ratio: round(figure / baseline),
    bar: `${direction} ${bar.toLocaleString('en')} ${unit}`,
    barRatio: round(bar / baseline),
    pass: direction === 'at least' ? figure >= bar : figure < bar,
  };
}

/** Every `pass` in the results, however deep. */
function collectPasses(value: unknown): boolean[] {
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([key, inner]) =>
    key === 'pass' && typeof inner === 'boolean' ? [inner] : collectPasses(inner),
  );
}

async function timed<T>(work: () => Promise<T>): Promise<{ result: T; seconds: number }> {
  const started = performance.now();
  const result = await work();
  return { result, seconds: (performance.now() - started) / 1000 };
}

const round = (n: number) => Math.round(n * 100) / 100;
const mb = (bytes: number) => Math.round(bytes / 2 ** 20);

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    log(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exit(2);
  },
);
