import fs from 'node:fs';
import path from 'node:path';
import { Cron } from 'croner';
import { parseDuration, parseInteger } from '../lib/parse-env.js';

/** What an operator sets for running the app for years: backups, readiness and metrics. */
export interface OpsSettings {
  readonly backup: BackupSettings;
  readonly readiness: ReadinessSettings;
}

export interface BackupSettings {
  /** Where scheduled backups go (BACKUP_DIR); null: no scheduled backups. */
  readonly dir: string | null;
  /** BACKUP_CRON, in `timezone` (the monthly email's, MONTHLY_EMAIL_TZ). */
  readonly cron: string;
  readonly timezone: string;
  /** How many verified backups to keep (BACKUP_KEEP); older ones are deleted. */
  readonly keep: number;
}

export interface ReadinessSettings {
  /** An event failing (or retrying) for longer than this makes the app not ready (READY_EVENT_FAILURE_AFTER). */
  readonly eventFailureMs: number;
  /** An email due for longer than this, or claimed for sending this long, means the outbox is stuck (READY_OUTBOX_STUCK_AFTER). */
  readonly outboxStuckMs: number;
  /** Less free disk than this beside the database (READY_MIN_FREE_DISK_MB) makes the app not ready. */
  readonly minFreeDiskBytes: number;
}

type Env = Record<string, string | undefined>;

export function parseOpsSettings(env: Env, timezone: string, isProduction: boolean, problems: string[]): OpsSettings {
  const dir = env.BACKUP_DIR?.trim() ? path.resolve(env.BACKUP_DIR.trim()) : null;
  const cron = env.BACKUP_CRON?.trim() || '0 2 * * *';
  try {
    new Cron(cron, { paused: true }).stop();
  } catch {
    problems.push(`BACKUP_CRON must be a cron expression such as "0 2 * * *" (got "${cron}")`);
  }
  // In production an unwritable backup directory stops the start; elsewhere the schedule warns.
  if (dir && isProduction) {
    const problem = backupDirProblem(dir);
    if (problem) problems.push(`BACKUP_DIR ${problem}`);
  }
  return Object.freeze({
    backup: Object.freeze({
      dir,
      cron,
      timezone,
      keep: parseInteger(env.BACKUP_KEEP, 14, 'BACKUP_KEEP', problems, 1, 10_000),
    }),
    readiness: Object.freeze({
      eventFailureMs: parseDuration(
        env.READY_EVENT_FAILURE_AFTER,
        30 * 60_000,
        'READY_EVENT_FAILURE_AFTER',
        problems,
        60_000,
        7 * 24 * 3_600_000,
      ),
      outboxStuckMs: parseDuration(
        env.READY_OUTBOX_STUCK_AFTER,
        30 * 60_000,
        'READY_OUTBOX_STUCK_AFTER',
        problems,
        60_000,
        7 * 24 * 3_600_000,
      ),
      minFreeDiskBytes:
        parseInteger(env.READY_MIN_FREE_DISK_MB, 500, 'READY_MIN_FREE_DISK_MB', problems, 0, 10_000_000) * 1_048_576,
    }),
  });
}

/** Why backups cannot be written to `dir` (made if missing), or null when they can. */
export function backupDirProblem(dir: string): string | null {
  try {
    fs.mkdirSync(dir, { recursive: true });
    const probe = path.join(dir, `.write-test-${process.pid}`);
    fs.writeFileSync(probe, '');
    fs.rmSync(probe);
    return null;
  } catch (error) {
    return `(${dir}) cannot be written to: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`;
  }
}
