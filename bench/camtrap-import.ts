import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import { readCsvRecords } from '../src/camtrap/csv-records.js';
import { importPackage } from '../src/camtrap/import-package.js';
import { openDatabase } from '../src/db/client.js';
import { migrateDatabase } from '../src/db/migrate.js';
import { COMMAND_LINE } from '../src/staff/audit-log.js';

/**
 * One import of a package into a fresh database file, in a process of its own so that its peak
 * memory is the import's own (bench/camtrap.ts starts it):
 *
 * - `app`: a migrated database, then the app's importPackage, end to end;
 * - `baseline`: the cheapest honest import: the same CSV files through the app's own CSV reader (Papa Parse) into plain tables,
 *   one prepared insert per row, one transaction, on a connection set up as the app's is.
 *
 *   node dist/bench/camtrap-import.js --mode app|baseline --package DIR --db FILE
 *
 * Prints (or, started with IPC, sends) one ImportRun.
 */

export interface ImportRun {
  mode: 'app' | 'baseline';
  rows: number;
  seconds: number;
  rowsPerSecond: number;
  /** The process's peak resident memory, start to end. */
  peakRssMb: number;
  /** Resident memory before the import started: Node and the modules loaded. */
  startRssMb: number;
  summary?: unknown;
}

const TABLES = ['deployments', 'media', 'observations'] as const;
const log = (line: string) => process.stderr.write(`${line}\n`);

/** The app's import: migrate, then importPackage, timed from the call to its answer. */
async function appImport(location: string, file: string): Promise<Omit<ImportRun, 'peakRssMb' | 'startRssMb'>> {
  const database = openDatabase(file);
  try {
    migrateDatabase(database.db);
    const report = progress('app import');
    const started = performance.now();
    const result = await importPackage(database.db, location, {
      actor: COMMAND_LINE,
      now: () => Date.now(),
      sourceName: path.basename(location),
      onProgress: report,
    });
    const seconds = (performance.now() - started) / 1000;
    if (result.status === 'refused') throw new Error(`the app refused the package:\n${result.lines.join('\n')}`);
    const rows = TABLES.reduce((sum, table) => sum + result.summary.rows[table], 0);
    return { mode: 'app', rows, seconds, rowsPerSecond: rows / seconds, summary: result.summary };
  } finally {
    database.close();
  }
}

/** The baseline: every CSV row into a plain table of text columns, in one transaction. */
async function baselineImport(folder: string, file: string): Promise<Omit<ImportRun, 'peakRssMb' | 'startRssMb'>> {
  const sqlite = new Database(file);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = FULL');
  const report = progress('baseline');
  const total = TABLES.reduce((sum, table) => sum + fs.statSync(path.join(folder, `${table}.csv`)).size, 0);
  let bytes = 0;
  try {
    const started = performance.now();
    let rows = 0;
    sqlite.exec('begin immediate');
    for (const table of TABLES) {
      const input = fs.createReadStream(path.join(folder, `${table}.csv`));
      input.on('data', (chunk) => report((bytes += chunk.length), total));
      rows += await loadTable(sqlite, table, input);
    }
    sqlite.exec('commit');
    const seconds = (performance.now() - started) / 1000;
    return { mode: 'baseline', rows, seconds, rowsPerSecond: rows / seconds };
  } finally {
    sqlite.close();
  }
}

/** One CSV file into a new plain table, `plain_<table>`, of text columns named by its header; returns the rows. */
export async function loadTable(sqlite: Database.Database, table: string, input: fs.ReadStream): Promise<number> {
  let insert: Database.Statement | null = null;
  let rows = 0;
  await readCsvRecords(
    input,
    (record) => {
      if (!insert) {
        const columns = record.map((name) => `"${name.replaceAll('"', '""')}"`);
        sqlite.exec(`create table "plain_${table}" (${columns.join(', ')})`);
        insert = sqlite.prepare(`insert into "plain_${table}" values (${columns.map(() => '?').join(', ')})`);
        return;
      }
      insert.run(record);
      rows++;
    },
    () => {},
  );
  return rows;
}

/** A line on stderr at every tenth of the bytes read. */
function progress(label: string) {
  let lastTenth = -1;
  return (done: number, total: number) => {
    const tenth = Math.floor((10 * done) / Math.max(total, 1));
    if (tenth === lastTenth) return;
    lastTenth = tenth;
    log(`  ${label}: ${tenth * 10}% of ${(total / 2 ** 20).toFixed(0)} MB read`);
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { mode: { type: 'string' }, package: { type: 'string' }, db: { type: 'string' } },
  });
  if ((values.mode !== 'app' && values.mode !== 'baseline') || !values.package || !values.db)
    throw new Error('usage: camtrap-import --mode app|baseline --package DIR --db FILE');
  const startRssMb = process.memoryUsage.rss() / 2 ** 20;
  const run =
    values.mode === 'app'
      ? await appImport(values.package, values.db)
      : await baselineImport(values.package, values.db);
  const result: ImportRun = { ...run, startRssMb, peakRssMb: process.resourceUsage().maxRSS / 1024 };
  if (!process.send) return void process.stdout.write(`${JSON.stringify(result)}\n`);
  await new Promise<void>((resolve, reject) =>
    process.send!(result, undefined, {}, (error) => (error ? reject(error) : resolve())),
  );
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().then(
    () => process.exit(0),
    (error: unknown) => {
      log(error instanceof Error ? (error.stack ?? error.message) : String(error));
      process.exit(1);
    },
  );
}
