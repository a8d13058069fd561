import { eq, sql, type SQL } from 'drizzle-orm';
import type { SQLiteColumn } from 'drizzle-orm/sqlite-core';
import type { Db } from '../db/client.js';
import { isoDay } from '../lib/clock.js';
import { cameraWeeks, trapWeekAllocations } from '../db/schema/index.js';

export const WEEK_MS = 7 * 86_400_000;
const DAY_MS = 86_400_000;

/** A place's name for a shopper when its deployment has neither a name nor an ID. */
export const UNNAMED_LOCATION = 'a camera in Land of Leopard National Park';

/** A place's name for a shopper: the location's name, else its ID; never where it is. */
export function placeName(location: { locationName: string | null; locationId: string | null }): string {
  return location.locationName ?? location.locationId ?? UNNAMED_LOCATION;
}

/** The first and last of a camera-week's seven days on its camera's own clock (the days buyers are shown). */
export function weekDays(startAt: number, utcOffsetMinutes: number): { start: string; end: string } {
  const local = startAt + utcOffsetMinutes * 60_000;
  return { start: isoDay(local), end: isoDay(local + WEEK_MS - DAY_MS) };
}

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
      .where(inIds(trapWeekAllocations.cameraWeekId, gone))
      .run();
    tx.update(cameraWeeks).set({ isWithdrawn: true }).where(inIds(cameraWeeks.id, gone)).run();
  }
  const restored = existing.filter((week) => week.isWithdrawn && wantedStarts.has(week.startAt)).map((week) => week.id);
  if (restored.length > 0)
    tx.update(cameraWeeks).set({ isWithdrawn: false }).where(inIds(cameraWeeks.id, restored)).run();
  const fresh = wanted.filter((week) => !byStart.has(week.startAt));
  if (fresh.length > 0) insertWeeks(tx, deployment.id, fresh);
  return { added: fresh.length + restored.length, withdrawn: gone.length };
}

/**
 * A deployment's new weeks in one statement, handed over as one JSON array: a season's import adds
 * tens of thousands, and building an insert with five values a week costs more than storing them.
 */
function insertWeeks(tx: Db, deploymentRowId: number, weeks: { slot: number; startAt: number; endAt: number }[]): void {
  const w = cameraWeeks;
  const rows = JSON.stringify(weeks.map((week) => [week.slot, week.startAt, week.endAt]));
  tx.run(
    sql`insert into ${w} (${sql.join(
      [w.deploymentRowId, w.slot, w.startAt, w.endAt].map((column) => sql.identifier(column.name)),
      sql`, `,
    )}) select ${deploymentRowId}, value->>0, value->>1, value->>2 from json_each(${rows})`,
  );
}

/** `column in (…ids)` as one value, however many ids: SQLite caps the values of a statement. */
function inIds(column: SQLiteColumn, ids: number[]): SQL {
  return sql`${column} in (select value from json_each(${JSON.stringify(ids)}))`;
}
