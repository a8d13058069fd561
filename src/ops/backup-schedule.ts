import fs from 'node:fs';
import path from 'node:path';
import { backupDatabase, detachBackup, type Db } from '../db/client.js';
import { BackgroundLoop } from '../lib/background-loop.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import { siblingModule, startModuleWorker } from '../lib/module-worker.js';
import { backupDirProblem, type BackupSettings } from './ops-config.js';
import type { BackupReport } from './verify-backup.js';

/** Finished, verified backups are named by their UTC time, so names sort as times do. */
const BACKUP_NAME = /^socks-(\d{8}T\d{6}Z)\.db$/;
const PARTIAL_SUFFIX = '.partial';

export interface BackupOutcome {
  file: string;
  report: BackupReport;
  pruned: string[];
}

export interface BackupSchedule {
  start(): void;
  stop(): Promise<void>;
  /** A backup now, as the schedule makes one; null when backups are off or stopping. */
  runNow(): Promise<BackupOutcome | null>;
  /** When the newest verified backup was made (ms), or null: read from the directory at start. */
  lastGoodAt(): number | null;
  nextRun(): Date | null;
}

/**
 * Backups on a schedule (BACKUP_DIR, BACKUP_CRON, BACKUP_KEEP). Each one is SQLite's online backup,
 * written under a `.partial` name, made a standalone file, checked on a worker thread (integrity
 * check and ledger audit, as `backup:verify` does), and only then renamed to its final name: a file
 * named `socks-<time>.db` is always whole and verified. A copy that fails the check is kept as
 * `…​.failed` for a person to look at, and logged as an error. Beyond BACKUP_KEEP, the oldest verified
 * backups are deleted.
 */
export function scheduleBackups(
  deps: { db: Db; clock: Clock; logger: Logger },
  settings: BackupSettings,
): BackupSchedule {
  const log = deps.logger.child({ component: 'backups' });
  let lastGood = settings.dir ? newestBackupTime(settings.dir) : null;
  let outcome: BackupOutcome | null = null;
  const loop = new BackgroundLoop(
    'scheduled backup',
    async () => {
      outcome = null;
      if (!settings.dir) return;
      try {
        outcome = await backUp(deps, settings.dir, settings.keep);
        if (outcome.report.isHealthy) {
          lastGood = deps.clock.now();
          log.info('backup made and verified', {
            file: outcome.file,
            bytes: outcome.report.bytes,
            ...outcome.report.counts,
            pruned: outcome.pruned.length,
          });
        } else {
          log.error('a backup failed its check and was kept aside; the last good one stands', {
            file: outcome.file,
            problems: outcome.report.problems,
          });
        }
      } catch (error) {
        log.error('the scheduled backup failed; the next one runs on schedule', { error });
      }
    },
    log,
    { cron: { pattern: settings.cron, timezone: settings.timezone }, passesAtStart: false },
  );
  return {
    start() {
      if (!settings.dir) return;
      const problem = backupDirProblem(settings.dir);
      if (problem) log.warn(`BACKUP_DIR ${problem}: scheduled backups will fail until it can be written`);
      loop.start();
    },
    stop: () => loop.stop(),
    async runNow() {
      if (!settings.dir || loop.isStopping) return null;
      await loop.drain();
      return outcome;
    },
    lastGoodAt: () => lastGood,
    nextRun: () => (settings.dir ? loop.nextRun() : null),
  };
}

async function backUp(deps: { db: Db; clock: Clock }, dir: string, keep: number): Promise<BackupOutcome> {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `socks-${stamp(deps.clock.now())}.db`);
  const partial = `${file}${PARTIAL_SUFFIX}`;
  fs.rmSync(partial, { force: true }); // left by a crash mid-backup
  await backupDatabase(deps.db, partial, () => {});
  detachBackup(partial);
  const report = await verifyOnWorker(partial);
  if (!report.isHealthy) {
    fs.renameSync(partial, `${file}.failed`);
    return { file: `${file}.failed`, report: { ...report, file: `${file}.failed` }, pruned: [] };
  }
  fs.renameSync(partial, file);
  return { file, report: { ...report, file }, pruned: pruneBackups(dir, keep) };
}

/** Deletes the oldest verified backups beyond `keep`; returns their names. Touches nothing else in the directory. */
export function pruneBackups(dir: string, keep: number): string[] {
  const backups = verifiedBackups(dir);
  const old = backups.slice(0, Math.max(0, backups.length - keep));
  for (const name of old) fs.rmSync(path.join(dir, name), { force: true });
  return old;
}

/** The verified backups in a directory, oldest first (their names sort as their times do). */
function verifiedBackups(dir: string): string[] {
  return fs
    .readdirSync(dir)
    .filter((name) => BACKUP_NAME.test(name))
    .sort();
}

function newestBackupTime(dir: string): number | null {
  try {
    const newest = verifiedBackups(dir).at(-1);
    return newest ? fs.statSync(path.join(dir, newest)).mtimeMs : null;
  } catch {
    return null;
  }
}

/** 2026-12-02T02:00:00Z → 20261202T020000Z */
function stamp(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}Z$/, 'Z');
}

function verifyOnWorker(file: string): Promise<BackupReport> {
  return new Promise((resolve, reject) => {
    const worker = startModuleWorker(siblingModule(import.meta.url, 'verify-backup-worker'), { workerData: file });
    worker.once('message', (message: { type: 'done'; report: BackupReport } | { type: 'failed'; message: string }) => {
      if (message.type === 'done') resolve(message.report);
      else reject(new Error(`checking the backup failed: ${message.message}`));
    });
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (code !== 0) reject(new Error(`the backup check stopped (exit ${code})`));
    });
  });
}
