import { eq } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { monthlyRuns } from '../db/schema/index.js';

/** Notes that a month's run went through every supporter. Running it again later keeps the first time. */
export function recordMonthlyRunCompleted(db: Db, period: string, now: number): void {
  db.insert(monthlyRuns).values({ period, completedAt: now }).onConflictDoNothing().run();
}

/** Whether a month's run has gone through every supporter (a run stopped halfway has not). */
export function isMonthlyRunCompleted(db: Db, period: string): boolean {
  return (
    db.select({ period: monthlyRuns.period }).from(monthlyRuns).where(eq(monthlyRuns.period, period)).get() !==
    undefined
  );
}
