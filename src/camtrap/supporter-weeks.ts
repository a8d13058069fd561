import { and, asc, eq, max, sql } from 'drizzle-orm';
import { prepared, type Db } from '../db/client.js';
import { cameraWeeks, camtrapDeployments, orders, trapWeekAllocations } from '../db/schema/index.js';
import { WEEK_MS } from './camera-weeks.js';

const DAY_MS = 86_400_000;

/** One funded week on a real camera, as a buyer sees it: a place's name, never its coordinates. */
export interface FundedWeek {
  /** First and last of its seven days, in the camera's own time zone: YYYY-MM-DD. */
  start: string;
  end: string;
  locationName: string;
  leopardVisits: number;
  cubVisits: number;
  leopardIndividuals: number;
  otherSpecies: { name: string; visits: number }[];
  /** The week it first had was withdrawn by a correction of the park's data, and this one replaced it. */
  wasMoved: boolean;
  allocatedAt: number;
}

export interface SupporterCameraWeeks {
  allocated: number;
  /** Funded weeks whose dates the park's imported data does not reach yet. */
  waiting: number;
  /** Funded weeks beyond every imported camera-week: buyers funded more than the park ran; they take the next import's first weeks. */
  ahead: number;
  /** Re-matched weeks still waiting for a new camera-week. */
  moved: number;
  leopardVisits: number;
  weeks: FundedWeek[];
}

/** A place's name for a shopper: the location's name, else its ID; never where it is. */
export const UNNAMED_LOCATION = 'a camera in Land of Leopard National Park';

/**
 * A buyer's funded weeks: those given a camera-week, earliest first, with what the camera saw, and
 * how many still wait for camera data or are funded ahead of it. One statement through the orders
 * of the supporter (an index) and their allocations. `fundedTrapWeeks` is the ledger's figure: weeks
 * the allocator has not numbered yet (a purchase of the last few seconds) are waiting.
 */
export function findSupporterCameraWeeks(db: Db, supporterId: number, fundedTrapWeeks: number): SupporterCameraWeeks {
  const rows = prepared(db, supporterWeeks).all({ supporterId });
  const result: SupporterCameraWeeks = { allocated: 0, waiting: 0, ahead: 0, moved: 0, leopardVisits: 0, weeks: [] };
  let lastStart: number | null | undefined;
  for (const row of rows) {
    if (row.startAt === null) {
      lastStart ??= prepared(db, latestCameraWeek).get()?.startAt ?? null;
      const earliest = Math.floor(row.paidAt / DAY_MS) * DAY_MS;
      if (lastStart === null || earliest > lastStart) result.waiting++;
      else result.ahead++;
      if (row.movedAt !== null) result.moved++;
      continue;
    }
    const local = row.startAt + row.utcOffsetMinutes! * 60_000;
    result.weeks.push({
      start: day(local),
      end: day(local + WEEK_MS - DAY_MS),
      locationName: row.locationName ?? row.locationId ?? UNNAMED_LOCATION,
      leopardVisits: row.leopardVisits!,
      cubVisits: row.cubVisits!,
      leopardIndividuals: row.leopardIndividuals!,
      otherSpecies: row.otherSpecies!,
      wasMoved: row.movedAt !== null,
      allocatedAt: row.allocatedAt!,
    });
    result.allocated++;
    result.leopardVisits += row.leopardVisits!;
  }
  // The ledger moved and the allocator has yet to catch up: a new purchase waits; a refund has taken weeks back.
  const unnumbered = fundedTrapWeeks - rows.length;
  if (unnumbered > 0) result.waiting += unnumbered;
  return result;
}

const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);

const supporterWeeks = (db: Db) =>
  db
    .select({
      paidAt: trapWeekAllocations.paidAt,
      allocatedAt: trapWeekAllocations.allocatedAt,
      movedAt: trapWeekAllocations.movedAt,
      startAt: cameraWeeks.startAt,
      leopardVisits: cameraWeeks.leopardVisits,
      cubVisits: cameraWeeks.cubVisits,
      leopardIndividuals: cameraWeeks.leopardIndividuals,
      otherSpecies: cameraWeeks.otherSpecies,
      locationName: camtrapDeployments.locationName,
      locationId: camtrapDeployments.locationId,
      utcOffsetMinutes: camtrapDeployments.utcOffsetMinutes,
    })
    .from(orders)
    .innerJoin(trapWeekAllocations, eq(trapWeekAllocations.orderId, orders.id))
    .leftJoin(cameraWeeks, eq(cameraWeeks.id, trapWeekAllocations.cameraWeekId))
    .leftJoin(camtrapDeployments, eq(camtrapDeployments.id, cameraWeeks.deploymentRowId))
    .where(eq(orders.supporterId, sql.placeholder('supporterId')))
    .orderBy(asc(cameraWeeks.startAt), asc(trapWeekAllocations.id))
    .prepare();

/** The latest start of any camera-week the park's data holds (read from an index, at its end). */
const latestCameraWeek = (db: Db) =>
  db
    .select({ startAt: max(cameraWeeks.startAt) })
    .from(cameraWeeks)
    .where(and(eq(cameraWeeks.isWithdrawn, false)))
    .prepare();
