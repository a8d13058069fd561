import fs from 'node:fs';
import { count, sql } from 'drizzle-orm';
import { openDatabaseReadOnly, type Db } from '../db/client.js';
import { emailOutbox, ledgerEntries, orders } from '../db/schema/index.js';
import { describeAudit, isLedgerConsistent, auditLedger } from '../ledger/audit-ledger.js';

/** What a backup holds, and whether it can be trusted to restore from. */
export interface BackupReport {
  file: string;
  bytes: number;
  isHealthy: boolean;
  /** Why it cannot be trusted, one reason a line; empty when healthy. */
  problems: string[];
  counts: { orders: number; ledgerEntries: number; emails: number } | null;
  /** How many of the app's migrations the copy has applied. */
  migrations: number | null;
}

const OUR_TABLES = ['__drizzle_migrations', 'ledger_entries', 'orders', 'email_outbox'];

/**
 * Opens a copy read-only and checks it the way a restore would need: it is an SQLite database
 * (not truncated, not something else), SQLite's integrity check passes, it is this app's database,
 * and the ledger audit (ledger:check) finds its running sums agreeing with its entries. Synchronous
 * and thorough (seconds over a million orders): the server runs it on a worker thread.
 */
export function verifyBackup(file: string, onStep: (step: string) => void = () => {}): BackupReport {
  const report: BackupReport = { file, bytes: 0, isHealthy: false, problems: [], counts: null, migrations: null };
  try {
    report.bytes = fs.statSync(file).size;
  } catch {
    report.problems.push(`there is no file at ${file}`);
    return report;
  }
  let database;
  try {
    database = openDatabaseReadOnly(file);
    database.sqlite.pragma('schema_version'); // reads the header: a file that is not a database fails here
  } catch (error) {
    database?.close();
    report.problems.push(`it is not an SQLite database (${(error as Error).message})`);
    return report;
  }
  try {
    checkContents(database.db, report, onStep);
  } catch (error) {
    report.problems.push(`it could not be read to the end (${(error as Error).message}): it may be truncated`);
  } finally {
    database.close();
  }
  report.isHealthy = report.problems.length === 0;
  return report;
}

function checkContents(db: Db, report: BackupReport, onStep: (step: string) => void): void {
  onStep('integrity check');
  const integrity = db.$client.pragma('integrity_check(20)', { simple: false }) as { integrity_check: string }[];
  const faults = integrity.map((row) => row.integrity_check).filter((line) => line !== 'ok');
  if (faults.length > 0) {
    report.problems.push(`SQLite's integrity check failed: ${faults.slice(0, 5).join('; ')}`);
    return;
  }
  const tables = new Set(
    db.all<{ name: string }>(sql`select name from sqlite_master where type = 'table'`).map((row) => row.name),
  );
  const missing = OUR_TABLES.filter((name) => !tables.has(name));
  if (missing.length > 0) {
    report.problems.push(`it is not this app's database (no ${missing.join(', ')} table)`);
    return;
  }
  report.migrations = db.get<{ n: number }>(sql`select count(*) as n from __drizzle_migrations`)?.n ?? 0;
  onStep('counting');
  report.counts = {
    orders: db.select({ n: count() }).from(orders).get()?.n ?? 0,
    ledgerEntries: db.select({ n: count() }).from(ledgerEntries).get()?.n ?? 0,
    emails: db.select({ n: count() }).from(emailOutbox).get()?.n ?? 0,
  };
  const audit = auditLedger(db, (step) => onStep(`ledger audit: ${step}`));
  if (!isLedgerConsistent(audit))
    report.problems.push(`the ledger audit found disagreements:\n${describeAudit(audit).trimEnd()}`);
}
