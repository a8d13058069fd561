import { and, eq, inArray } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { cameraWeeks, trapWeekAllocations } from '../db/schema/index.js';

export const WEEK_MS = 7 * 86_400_000;

/** The seven-day slots of a deployment's operating time, from its start; time short of a whole slot funds nothing. */
export function weekSlots(startAt: number, endAt: number): { slot: number; startAt: number; endAt: number }[] {
  const count = Math.max(0, Math.floor((endAt - startAt) / WEEK_MS));
  return Array.from({ length: count }, (_, slot) => ({
    slot,
    startAt: startAt + slot * WEEK_MS,
    endAt: startAt + (slot + 1) * WEEK_MS,
  }));
}

/**
 * Brings a deployment's camera-weeks to its current dates. Weeks that still fit stay as they are,
 * with whoever holds them; new ones are added; weeks the deployment no longer has (it was removed,
 * corrected, or has clock trouble) are withdrawn, and a trap-week that held one goes back to
 * waiting, marked as moved: the one case in which a week a buyer was shown changes.
 */
export function syncCameraWeeks(
  tx: Db,
  deployment: { id: number; startAt: number; endAt: number; isUsable: boolean },
  now: number,
): { added: number; withdrawn: number } {
  const wanted = deployment.isUsable ? weekSlots(deployment.startAt, deployment.endAt) : [];
  const wantedStarts = new Set(wanted.map((week) => week.startAt));
  const existing = tx.select().from(cameraWeeks).where(eq(cameraWeeks.deploymentRowId, deployment.id)).all();
  const byStart = new Map(existing.map((week) => [week.startAt, week]));
  const gone = existing.filter((week) => !week.isWithdrawn && !wantedStarts.has(week.startAt)).map((week) => week.id);
  if (gone.length > 0) {
    tx.update(trapWeekAllocations)
      .set({ cameraWeekId: null, allocatedAt: null, movedAt: now })
      .where(inArray(trapWeekAllocations.cameraWeekId, gone))
      .run();
    tx.update(cameraWeeks).set({ isWithdrawn: true }).where(inArray(cameraWeeks.id, gone)).run();
  }
  let added = 0;
  for (const week of wanted) {
    const known = byStart.get(week.startAt);
    if (!known) {
      tx.insert(cameraWeeks)
        .values({ deploymentRowId: deployment.id, ...week })
        .run();
      added++;
    } else if (known.isWithdrawn) {
      tx.update(cameraWeeks)
        .set({ isWithdrawn: false })
        .where(and(eq(cameraWeeks.id, known.id)))
        .run();
      added++;
    }
  }
  return { added, withdrawn: gone.length };
}
