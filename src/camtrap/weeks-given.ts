import { and, asc, eq, gte, isNotNull, lt, sql } from 'drizzle-orm';
import { prepared, type Db } from '../db/client.js';
import { cameraWeeks, camtrapDeployments, orders, trapWeekAllocations } from '../db/schema/index.js';
import { placeName, weekDays } from './camera-weeks.js';

/** A camera-week one of a buyer's trap-weeks was given, as the monthly email tells it: a place's name, never where it is. */
export interface GivenWeek {
  /** First and last of its seven days, on the camera's own clock: YYYY-MM-DD. */
  start: string;
  end: string;
  locationName: string;
  leopardVisits: number;
  cubVisits: number;
  /** The other species seen, most visits first. */
  otherSpecies: { name: string; visits: number }[];
}

/**
 * The camera-weeks given to trap-weeks in [start, end) (by `allocated_at`), grouped by the supporter
 * whose order funded them, each supporter's earliest week first. One statement for the whole
 * period: the period's allocations through their index, ordered by supporter. Memory follows the
 * camera-weeks given out in the period, which the park's cameras bound, never the number of
 * supporters. A week given and later withdrawn by a correction is not listed (it waits again).
 */
export function findWeeksGivenIn(db: Db, range: { start: number; end: number }): Map<number, GivenWeek[]> {
  const bySupporter = new Map<number, GivenWeek[]>();
  let current: GivenWeek[] = [];
  let currentId: number | null = null;
  for (const row of prepared(db, weeksGiven).all(range)) {
    if (row.supporterId !== currentId) {
      currentId = row.supporterId!;
      bySupporter.set(currentId, (current = []));
    }
    current.push({
      ...weekDays(row.startAt, row.utcOffsetMinutes),
      locationName: placeName(row),
      leopardVisits: row.leopardVisits,
      cubVisits: row.cubVisits,
      otherSpecies: row.otherSpecies,
    });
  }
  return bySupporter;
}

const a = trapWeekAllocations;
const weeksGiven = (db: Db) =>
  db
    .select({
      supporterId: orders.supporterId,
      startAt: cameraWeeks.startAt,
      utcOffsetMinutes: camtrapDeployments.utcOffsetMinutes,
      locationName: camtrapDeployments.locationName,
      locationId: camtrapDeployments.locationId,
      leopardVisits: cameraWeeks.leopardVisits,
      cubVisits: cameraWeeks.cubVisits,
      otherSpecies: cameraWeeks.otherSpecies,
    })
    .from(a)
    .innerJoin(cameraWeeks, eq(cameraWeeks.id, a.cameraWeekId))
    .innerJoin(camtrapDeployments, eq(camtrapDeployments.id, cameraWeeks.deploymentRowId))
    .innerJoin(orders, eq(orders.id, a.orderId))
    .where(
      and(
        gte(a.allocatedAt, sql.placeholder('start')),
        lt(a.allocatedAt, sql.placeholder('end')),
        isNotNull(orders.supporterId),
      ),
    )
    .orderBy(asc(orders.supporterId), asc(cameraWeeks.startAt), asc(a.id))
    .prepare();
