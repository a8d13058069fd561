import { and, asc, desc, eq, isNotNull, max, sql } from 'drizzle-orm';
import { prepared, type Db } from '../db/client.js';
import {
  cameraWeeks,
  camtrapDeployments,
  camtrapImports,
  camtrapProjects,
  orders,
  trapWeekAllocations,
} from '../db/schema/index.js';
import { findWeekPhoto, hostsOf, type WeekPhoto } from './week-photos.js';
import { placeName, weekDays } from './camera-weeks.js';

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
  /** A public photo from the week, when its project allows the photo's host (none do by default). */
  photo: WeekPhoto | null;
}

/** Where a buyer's funded trap-weeks stand, counted in the database. */
export interface CameraWeekCounts {
  allocated: number;
  /** Funded weeks whose dates the park's imported data does not reach yet. */
  waiting: number;
  /** Funded weeks beyond every imported camera-week: buyers funded more than the park ran; they take the next import's first weeks. */
  ahead: number;
  /** Re-matched weeks still waiting for a new camera-week. */
  moved: number;
  leopardVisits: number;
}

export interface SupporterCameraWeeks extends CameraWeekCounts {
  weeks: FundedWeek[];
}

/** The places a buyer's weeks ran at, most weeks first. */
export interface PlaceWeeks {
  name: string;
  weeks: number;
  leopardVisits: number;
}

/** Where a buyer's trap-weeks stand, read from their allocations alone, and a version of what their page shows. */
export interface Placement extends Omit<CameraWeekCounts, 'leopardVisits'> {
  /**
   * Moves whenever anything the buyer's camera-weeks look like may have changed: a week given,
   * released or moved (the allocations' count, camera-weeks and latest times), an import (the
   * weeks' sightings and places), the photo hosts allowed, the reach of the park's data.
   */
  version: string;
}

/**
 * A buyer's funded trap-weeks counted: given a camera-week, waiting for camera data, funded ahead,
 * moved. One aggregate statement over the supporter's orders (an index) and their allocations,
 * which sit together; the camera-weeks themselves, spread over the park's data, are not read.
 * `fundedTrapWeeks` is the ledger's figure: weeks the allocator has not numbered yet (a purchase of
 * the last few seconds) are waiting.
 */
export function placementOf(db: Db, supporterId: number, fundedTrapWeeks: number): Placement {
  const latest = latestCameraWeekStart(db);
  // Unplaced trap-weeks paid on a day after the latest camera-week starts wait for data (isWaitingForData).
  const firstWaitingDay = latest === null ? 0 : Math.floor(latest / DAY_MS) * DAY_MS + DAY_MS;
  const row = prepared(db, placement).get({ supporterId, firstWaitingDay })!;
  const unnumbered = Math.max(0, fundedTrapWeeks - row.numbered);
  const data = prepared(db, cameraDataVersion).get()!;
  return {
    allocated: row.allocated,
    waiting: row.waiting + unnumbered,
    ahead: row.unplaced - row.waiting,
    moved: row.moved,
    version: [
      fundedTrapWeeks,
      row.numbered,
      row.weekIds,
      row.lastGiven,
      row.moved,
      latest,
      data.lastImport,
      data.photoHosts,
    ].join('|'),
  };
}

/** A buyer's funded trap-weeks counted, with the leopard visits on their camera-weeks. */
export function countSupporterWeeks(db: Db, supporterId: number, fundedTrapWeeks: number): CameraWeekCounts {
  const { version: _version, ...counts } = placementOf(db, supporterId, fundedTrapWeeks);
  return { ...counts, leopardVisits: leopardVisitsOf(db, supporterId) };
}

/** The leopard visits recorded on a buyer's camera-weeks. */
export function leopardVisitsOf(db: Db, supporterId: number): number {
  return prepared(db, leopardVisits).get({ supporterId })?.n ?? 0;
}

/** Every funded week of a buyer on a camera, earliest first (the API, and the page listing them all). */
export function findSupporterCameraWeeks(db: Db, supporterId: number, fundedTrapWeeks: number): SupporterCameraWeeks {
  const weeks = prepared(db, allWeeks)
    .all({ supporterId })
    .map((row) => fundedWeekOf(db, row));
  return { ...countSupporterWeeks(db, supporterId, fundedTrapWeeks), weeks };
}

/** A buyer's latest funded weeks on a camera, latest first: the few their page shows in full. */
export function latestSupporterWeeks(db: Db, supporterId: number, limit: number): FundedWeek[] {
  return prepared(db, latestWeeks)
    .all({ supporterId, limit })
    .map((row) => fundedWeekOf(db, row));
}

/** The places a buyer's weeks ran at, by name (never where they are), most weeks first. */
export function placesOfSupporter(db: Db, supporterId: number): PlaceWeeks[] {
  return prepared(db, places)
    .all({ supporterId })
    .map((row) => ({ name: placeName(row), weeks: row.weeks, leopardVisits: row.leopardVisits }));
}

/** A trap-week without a camera-week waits for camera data when the park's data does not reach its dates yet; else it is funded ahead. */
export function isWaitingForData(paidAt: number, latestStart: number | null): boolean {
  return latestStart === null || Math.floor(paidAt / DAY_MS) * DAY_MS > latestStart;
}

/** The latest start of any camera-week the park's data holds, or null before the first import. */
export function latestCameraWeekStart(db: Db): number | null {
  return prepared(db, latestCameraWeek).get()?.startAt ?? null;
}

/** The columns a week on a camera is shown from (fundedWeekOf), for every query that lists them. */
export const trapWeekColumns = {
  paidAt: trapWeekAllocations.paidAt,
  allocatedAt: trapWeekAllocations.allocatedAt,
  movedAt: trapWeekAllocations.movedAt,
  startAt: cameraWeeks.startAt,
  weekEndAt: cameraWeeks.endAt,
  deploymentRowId: cameraWeeks.deploymentRowId,
  projectId: camtrapDeployments.projectId,
  photoHosts: camtrapProjects.photoHosts,
  leopardVisits: cameraWeeks.leopardVisits,
  cubVisits: cameraWeeks.cubVisits,
  leopardIndividuals: cameraWeeks.leopardIndividuals,
  otherSpecies: cameraWeeks.otherSpecies,
  locationName: camtrapDeployments.locationName,
  locationId: camtrapDeployments.locationId,
  utcOffsetMinutes: camtrapDeployments.utcOffsetMinutes,
};

type WeekRow = { [K in keyof typeof trapWeekColumns]: (typeof trapWeekColumns)[K]['_']['data'] | null };

/** What a buyer is shown of a camera-week: the place's name (never where it is), its days and what it saw. */
export function fundedWeekOf(db: Db, row: WeekRow): FundedWeek {
  return {
    ...weekDays(row.startAt!, row.utcOffsetMinutes!),
    locationName: placeName(row),
    leopardVisits: row.leopardVisits!,
    cubVisits: row.cubVisits!,
    leopardIndividuals: row.leopardIndividuals!,
    otherSpecies: row.otherSpecies!,
    wasMoved: row.movedAt !== null,
    allocatedAt: row.allocatedAt!,
    photo: row.photoHosts
      ? findWeekPhoto(db, {
          deploymentRowId: row.deploymentRowId!,
          projectId: row.projectId!,
          startAt: row.startAt!,
          endAt: row.weekEndAt!,
          hosts: hostsOf(row.photoHosts),
        })
      : null,
  };
}

const a = trapWeekAllocations;
const w = cameraWeeks;
const d = camtrapDeployments;
const ofSupporter = eq(orders.supporterId, sql.placeholder('supporterId'));

const placement = (db: Db) =>
  db
    .select({
      numbered: sql<number>`count(*)`,
      allocated: sql<number>`count(${a.cameraWeekId})`,
      unplaced: sql<number>`count(*) - count(${a.cameraWeekId})`,
      waiting: sql<number>`coalesce(sum(${a.cameraWeekId} is null and ${a.paidAt} >= ${sql.placeholder('firstWaitingDay')}), 0)`,
      moved: sql<number>`coalesce(sum(${a.cameraWeekId} is null and ${a.movedAt} is not null), 0)`,
      weekIds: sql<number>`total(${a.cameraWeekId})`,
      lastGiven: sql<number | null>`max(${a.allocatedAt})`,
    })
    .from(orders)
    .innerJoin(a, eq(a.orderId, orders.id))
    .where(ofSupporter)
    .prepare();

const leopardVisits = (db: Db) =>
  db
    .select({ n: sql<number>`coalesce(sum(${w.leopardVisits}), 0)` })
    .from(orders)
    .innerJoin(a, eq(a.orderId, orders.id))
    .innerJoin(w, eq(w.id, a.cameraWeekId))
    .where(ofSupporter)
    .prepare();

/** What every buyer's camera-weeks depend on beyond their own allocations: the imports and the photo hosts. */
const cameraDataVersion = (db: Db) =>
  db
    .select({
      lastImport: sql<number | null>`(select max(${camtrapImports.id}) from ${camtrapImports})`,
      photoHosts: sql<
        string | null
      >`(select group_concat(${camtrapProjects.id} || '=' || ${camtrapProjects.photoHosts}) from ${camtrapProjects})`,
    })
    .from(sql`(select 1)`)
    .prepare();

/** The supporter's allocations that hold a camera-week, with the week, its deployment and project. */
const weeksOfSupporter = (db: Db) =>
  db
    .select(trapWeekColumns)
    .from(orders)
    .innerJoin(a, and(eq(a.orderId, orders.id), isNotNull(a.cameraWeekId)))
    .innerJoin(w, eq(w.id, a.cameraWeekId))
    .innerJoin(d, eq(d.id, w.deploymentRowId))
    .innerJoin(camtrapProjects, eq(camtrapProjects.id, d.projectId))
    .where(ofSupporter)
    .$dynamic();

const allWeeks = (db: Db) => weeksOfSupporter(db).orderBy(asc(w.startAt), asc(a.id)).prepare();

const latestWeeks = (db: Db) =>
  weeksOfSupporter(db).orderBy(desc(w.startAt), desc(a.id)).limit(sql.placeholder('limit')).prepare();

const places = (db: Db) =>
  db
    .select({
      locationName: d.locationName,
      locationId: d.locationId,
      weeks: sql<number>`count(*)`,
      leopardVisits: sql<number>`sum(${w.leopardVisits})`,
    })
    .from(orders)
    .innerJoin(a, eq(a.orderId, orders.id))
    .innerJoin(w, eq(w.id, a.cameraWeekId))
    .innerJoin(d, eq(d.id, w.deploymentRowId))
    .where(ofSupporter)
    .groupBy(sql`coalesce(${d.locationName}, ${d.locationId})`)
    .orderBy(sql`count(*) desc`, sql`coalesce(${d.locationName}, ${d.locationId})`)
    .prepare();

/** The latest start of any camera-week the park's data holds (read from an index, at its end). */
const latestCameraWeek = (db: Db) =>
  db
    .select({ startAt: max(w.startAt) })
    .from(w)
    .where(eq(w.isWithdrawn, false))
    .prepare();
