import { sql } from 'drizzle-orm';
import { prepared, type Db } from '../db/client.js';
import { monthCloses } from '../db/schema/index.js';
import { nextPeriod, periodOf } from '../lib/months.js';

/**
 * How an entry finds its accounting month. Months close in order, so the closed ones are a prefix
 * of the calendar: an entry is booked in the month it occurred, unless that month is closed, in
 * which case it lands in the first open month (and shows as late there). A database trigger refuses
 * any entry booked into a closed month, so this rule cannot be bypassed.
 */
export function bookingPeriod(occurredAt: number, lastClosed: string | null): string {
  const occurred = periodOf(occurredAt);
  return lastClosed !== null && occurred <= lastClosed ? nextPeriod(lastClosed) : occurred;
}

/** The latest closed month, or null when none has been closed yet. */
export function lastClosedPeriod(db: Db): string | null {
  return prepared(db, latestClose).get()?.period ?? null;
}

const latestClose = (db: Db) =>
  db
    .select({ period: sql<string | null>`max(${monthCloses.period})` })
    .from(monthCloses)
    .prepare();
