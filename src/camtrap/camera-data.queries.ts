import { and, asc, count, desc, eq, gt, gte, inArray, isNotNull, isNull, lt, max, min } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import {
  cameraWeeks,
  camtrapDeployments,
  camtrapImports,
  camtrapProjects,
  trapWeekAllocations,
  trapWeekChanges,
} from '../db/schema/index.js';
import { WEEK_MS } from './camera-weeks.js';
import { hostsOf } from './week-photos.js';
import type { ImportSummary } from './import-package.js';
import type { PackageProblem } from './problems.js';
import {
  fundedWeekOf,
  isWaitingForData,
  latestCameraWeekStart,
  trapWeekColumns,
  type FundedWeek,
} from './supporter-weeks.js';

const DAY_MS = 86_400_000;

/** The camera data as staff see it: imports, projects, deployments and the trap-weeks still to place. */

export interface ImportListRow {
  id: number;
  sourceName: string;
  packageName: string | null;
  projectTitle: string | null;
  status: 'imported' | 'refused';
  problemCount: number;
  actor: string;
  startedAt: number;
  finishedAt: number;
  /** What an accepted import changed; null for a refused one. */
  summary: ImportSummary | null;
}

export interface ImportDetail extends ImportListRow {
  /** A refused import's first problems (the rest are counted in problemCount). */
  problems: PackageProblem[];
}

const importColumns = {
  id: camtrapImports.id,
  sourceName: camtrapImports.sourceName,
  packageName: camtrapImports.packageName,
  projectTitle: camtrapProjects.title,
  status: camtrapImports.status,
  problemCount: camtrapImports.problemCount,
  actor: camtrapImports.actor,
  startedAt: camtrapImports.startedAt,
  finishedAt: camtrapImports.finishedAt,
  report: camtrapImports.report,
};

/** Imports newest first, a page at a time. */
export function listImports(db: Db, opts: { beforeId?: number; limit: number }): ImportListRow[] {
  return db
    .select(importColumns)
    .from(camtrapImports)
    .leftJoin(camtrapProjects, eq(camtrapProjects.id, camtrapImports.projectId))
    .where(opts.beforeId ? lt(camtrapImports.id, opts.beforeId) : undefined)
    .orderBy(desc(camtrapImports.id))
    .limit(opts.limit)
    .all()
    .map((row) => ({ ...withoutReport(row), summary: summaryOf(row) }));
}

export function findImport(db: Db, id: number): ImportDetail | undefined {
  const row = db
    .select(importColumns)
    .from(camtrapImports)
    .leftJoin(camtrapProjects, eq(camtrapProjects.id, camtrapImports.projectId))
    .where(eq(camtrapImports.id, id))
    .get();
  if (!row) return undefined;
  const problems = row.status === 'refused' ? ((row.report as { problems?: PackageProblem[] }).problems ?? []) : [];
  return { ...withoutReport(row), summary: summaryOf(row), problems };
}

function withoutReport<T extends { report: unknown }>(row: T): Omit<T, 'report'> {
  const { report: _report, ...rest } = row;
  return rest;
}

function summaryOf(row: { status: string; report: unknown }): ImportSummary | null {
  return row.status === 'imported' && row.report && typeof row.report === 'object' && 'rows' in row.report
    ? (row.report as ImportSummary)
    : null;
}

/** Funded trap-weeks by where they stand, all read from indexes. */
export interface Backlog {
  allocated: number;
  /** Without a camera-week because the park's data does not reach their dates yet. */
  waiting: number;
  /** Without one although the data reaches their dates: buyers funded more weeks than the park ran. */
  ahead: number;
  /** Re-matched after a correction withdrew their camera-week, and not yet given another. */
  moved: number;
  /** Payment time of the longest-waiting trap-week. */
  oldestWaitingPaidAt: number | null;
  cameraWeeks: number;
  /** The latest start of any camera-week: how far the park's data reaches. */
  latestWeekStart: number | null;
  /** Orders whose trap-weeks moved since the allocator last looked (it numbers them within seconds). */
  ordersToNumber: number;
}

export function readBacklog(db: Db): Backlog {
  const a = trapWeekAllocations;
  const latestWeekStart = latestCameraWeekStart(db);
  const countWhere = (where: ReturnType<typeof and>) => db.select({ n: count() }).from(a).where(where).get()?.n ?? 0;
  const unplaced = countWhere(isNull(a.cameraWeekId));
  // Waiting trap-weeks were paid on a day after the latest camera-week starts (isWaitingForData).
  const firstWaitingDay = latestWeekStart === null ? 0 : Math.floor(latestWeekStart / DAY_MS) * DAY_MS + DAY_MS;
  const waiting = countWhere(and(isNull(a.cameraWeekId), gte(a.paidAt, firstWaitingDay)));
  return {
    allocated: countWhere(isNotNull(a.allocatedAt)),
    waiting,
    ahead: unplaced - waiting,
    moved: countWhere(and(isNull(a.cameraWeekId), isNotNull(a.movedAt))),
    oldestWaitingPaidAt:
      db
        .select({ at: min(a.paidAt) })
        .from(a)
        .where(isNull(a.cameraWeekId))
        .get()?.at ?? null,
    cameraWeeks: db.select({ n: count() }).from(cameraWeeks).where(eq(cameraWeeks.isWithdrawn, false)).get()?.n ?? 0,
    latestWeekStart,
    ordersToNumber: db.select({ n: count() }).from(trapWeekChanges).get()?.n ?? 0,
  };
}

export type CoordinatePolicy = (typeof camtrapProjects.$inferSelect)['coordinatePolicy'];

export interface ProjectRow {
  id: number;
  packageProjectId: string;
  title: string;
  coordinatePolicy: CoordinatePolicy;
  photoHosts: string[];
  deployments: number;
  cameraWeeks: number;
  fundedWeeks: number;
  lastImportAt: number | null;
}

/** Every project (or the one asked for), with its deployments, camera-weeks and how many of those are funded. */
export function listProjects(db: Db, projectId?: number): ProjectRow[] {
  const p = camtrapProjects;
  const d = camtrapDeployments;
  const inProject = (column: typeof d.projectId | typeof camtrapImports.projectId) =>
    projectId === undefined ? undefined : eq(column, projectId);
  const deployments = new Map(
    db
      .select({ id: d.projectId, n: count() })
      .from(d)
      .where(and(eq(d.isRemoved, false), inProject(d.projectId)))
      .groupBy(d.projectId)
      .all()
      .map((row) => [row.id, row.n]),
  );
  const weeks = new Map(
    db
      .select({ id: d.projectId, weeks: count(), funded: count(trapWeekAllocations.id) })
      .from(cameraWeeks)
      .innerJoin(d, eq(d.id, cameraWeeks.deploymentRowId))
      .leftJoin(trapWeekAllocations, eq(trapWeekAllocations.cameraWeekId, cameraWeeks.id))
      .where(and(eq(cameraWeeks.isWithdrawn, false), inProject(d.projectId)))
      .groupBy(d.projectId)
      .all()
      .map((row) => [row.id, row]),
  );
  const lastImports = new Map(
    db
      .select({ id: camtrapImports.projectId, at: max(camtrapImports.finishedAt) })
      .from(camtrapImports)
      .where(and(eq(camtrapImports.status, 'imported'), inProject(camtrapImports.projectId)))
      .groupBy(camtrapImports.projectId)
      .all()
      .map((row) => [row.id, row.at]),
  );
  return db
    .select()
    .from(p)
    .where(projectId === undefined ? undefined : eq(p.id, projectId))
    .orderBy(asc(p.title))
    .all()
    .map((row) => ({
      id: row.id,
      packageProjectId: row.packageProjectId,
      title: row.title,
      coordinatePolicy: row.coordinatePolicy,
      photoHosts: hostsOf(row.photoHosts),
      deployments: deployments.get(row.id) ?? 0,
      cameraWeeks: weeks.get(row.id)?.weeks ?? 0,
      fundedWeeks: weeks.get(row.id)?.funded ?? 0,
      lastImportAt: lastImports.get(row.id) ?? null,
    }));
}

/** Where a camera is, as staff may see it under their project's policy: never, or to 0.1° (about 11 km). */
export type StaffLocation = { latitude: number; longitude: number } | null;

export function staffLocation(policy: CoordinatePolicy, latitude: number, longitude: number): StaffLocation {
  if (policy !== 'rounded') return null;
  return { latitude: Math.round(latitude * 10) / 10, longitude: Math.round(longitude * 10) / 10 };
}

export interface DeploymentRow {
  id: number;
  deploymentId: string;
  locationName: string | null;
  locationId: string | null;
  /** Null when the project's policy hides coordinates; otherwise rounded to 0.1°. Never exact. */
  location: StaffLocation;
  startAt: number;
  endAt: number;
  utcOffsetMinutes: number;
  /** Running time after the last whole week: shown, never funded. */
  leftoverDays: number;
  cameraWeeks: number;
  fundedWeeks: number;
  mediaCount: number;
  hasTimestampIssues: boolean;
  isRemoved: boolean;
}

/** A project's deployments by start, a page at a time (`afterId` continues from the last row's id). */
export function listDeployments(
  db: Db,
  project: { id: number; coordinatePolicy: CoordinatePolicy },
  opts: { afterId?: number; limit: number },
): DeploymentRow[] {
  const d = camtrapDeployments;
  const rows = db
    .select()
    .from(d)
    .where(and(eq(d.projectId, project.id), opts.afterId ? gt(d.id, opts.afterId) : undefined))
    .orderBy(asc(d.id))
    .limit(opts.limit)
    .all();
  const weeks = weeksPerDeployment(
    db,
    rows.map((row) => row.id),
  );
  return rows.map((row) => {
    const running = row.endAt - row.startAt;
    const usable = !row.isRemoved && !row.hasTimestampIssues;
    return {
      id: row.id,
      deploymentId: row.deploymentId,
      locationName: row.locationName,
      locationId: row.locationId,
      location: staffLocation(project.coordinatePolicy, row.latitude, row.longitude),
      startAt: row.startAt,
      endAt: row.endAt,
      utcOffsetMinutes: row.utcOffsetMinutes,
      leftoverDays: usable ? Math.floor((running % WEEK_MS) / DAY_MS) : 0,
      cameraWeeks: weeks.get(row.id)?.weeks ?? 0,
      fundedWeeks: weeks.get(row.id)?.funded ?? 0,
      mediaCount: row.mediaCount,
      hasTimestampIssues: row.hasTimestampIssues,
      isRemoved: row.isRemoved,
    };
  });
}

function weeksPerDeployment(db: Db, ids: number[]): Map<number, { weeks: number; funded: number }> {
  if (ids.length === 0) return new Map();
  const rows = db
    .select({
      id: cameraWeeks.deploymentRowId,
      weeks: count(),
      funded: count(trapWeekAllocations.id),
    })
    .from(cameraWeeks)
    .leftJoin(trapWeekAllocations, eq(trapWeekAllocations.cameraWeekId, cameraWeeks.id))
    .where(and(inArray(cameraWeeks.deploymentRowId, ids), eq(cameraWeeks.isWithdrawn, false)))
    .groupBy(cameraWeeks.deploymentRowId)
    .all();
  return new Map(rows.map((row) => [row.id, row]));
}

/** One trap-week of an order, as the console shows it: its camera-week, or why it has none yet. */
export interface OrderTrapWeek {
  number: number;
  state: 'allocated' | 'waiting' | 'ahead';
  week: FundedWeek | null;
  wasMoved: boolean;
}

export function listOrderTrapWeeks(db: Db, orderId: number): OrderTrapWeek[] {
  const rows = db
    .select({ number: trapWeekAllocations.number, ...trapWeekColumns })
    .from(trapWeekAllocations)
    .leftJoin(cameraWeeks, eq(cameraWeeks.id, trapWeekAllocations.cameraWeekId))
    .leftJoin(camtrapDeployments, eq(camtrapDeployments.id, cameraWeeks.deploymentRowId))
    .leftJoin(camtrapProjects, eq(camtrapProjects.id, camtrapDeployments.projectId))
    .where(eq(trapWeekAllocations.orderId, orderId))
    .orderBy(asc(trapWeekAllocations.number))
    .all();
  let latest: number | null | undefined;
  return rows.map((row) => {
    if (row.startAt !== null)
      return { number: row.number, state: 'allocated', week: fundedWeekOf(db, row), wasMoved: row.movedAt !== null };
    latest ??= latestCameraWeekStart(db);
    const state = isWaitingForData(row.paidAt, latest) ? 'waiting' : 'ahead';
    return { number: row.number, state, week: null, wasMoved: row.movedAt !== null };
  });
}
