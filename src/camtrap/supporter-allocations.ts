import { asc, eq } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { cameraWeeks, camtrapDeployments, camtrapProjects, orders, trapWeekAllocations } from '../db/schema/index.js';
import { fundedWeekOf, isWaitingForData, latestCameraWeekStart, trapWeekColumns } from './supporter-weeks.js';

/** One numbered trap-week of a buyer's order: the camera-week it was placed on, or why it has none yet. */
export interface SupporterTrapWeek {
  orderId: number;
  checkoutSessionId: string;
  number: number;
  state: 'allocated' | 'waiting' | 'ahead';
  /** Days in the camera's own time zone, YYYY-MM-DD; null until placed. */
  start: string | null;
  end: string | null;
  locationName: string | null;
  leopardVisits: number | null;
  cubVisits: number | null;
  otherSpecies: { name: string; visits: number }[];
  allocatedAt: number | null;
  wasMoved: boolean;
}

/**
 * Every numbered trap-week of a buyer's orders with its camera-week (a place's name, never where it
 * is), order by order: one statement over the buyer's orders and their allocations.
 */
export function listSupporterTrapWeeks(db: Db, supporterId: number): SupporterTrapWeek[] {
  const rows = db
    .select({
      orderId: orders.id,
      checkoutSessionId: orders.checkoutSessionId,
      number: trapWeekAllocations.number,
      ...trapWeekColumns,
    })
    .from(orders)
    .innerJoin(trapWeekAllocations, eq(trapWeekAllocations.orderId, orders.id))
    .leftJoin(cameraWeeks, eq(cameraWeeks.id, trapWeekAllocations.cameraWeekId))
    .leftJoin(camtrapDeployments, eq(camtrapDeployments.id, cameraWeeks.deploymentRowId))
    .leftJoin(camtrapProjects, eq(camtrapProjects.id, camtrapDeployments.projectId))
    .where(eq(orders.supporterId, supporterId))
    .orderBy(asc(orders.id), asc(trapWeekAllocations.number))
    .all();
  let latest: number | null | undefined;
  return rows.map((row) => {
    const common = {
      orderId: row.orderId,
      checkoutSessionId: row.checkoutSessionId,
      number: row.number,
      wasMoved: row.movedAt !== null,
    };
    if (row.startAt !== null) {
      const week = fundedWeekOf(db, row);
      return {
        ...common,
        state: 'allocated' as const,
        start: week.start,
        end: week.end,
        locationName: week.locationName,
        leopardVisits: week.leopardVisits,
        cubVisits: week.cubVisits,
        otherSpecies: week.otherSpecies,
        allocatedAt: week.allocatedAt,
      };
    }
    latest ??= latestCameraWeekStart(db);
    return {
      ...common,
      state: isWaitingForData(row.paidAt!, latest) ? ('waiting' as const) : ('ahead' as const),
      start: null,
      end: null,
      locationName: null,
      leopardVisits: null,
      cubVisits: null,
      otherSpecies: [],
      allocatedAt: null,
    };
  });
}
