import { and, asc, eq, gte, inArray, isNotNull, like, lt, sql } from 'drizzle-orm';
import { prepared, type Db } from '../db/client.js';
import { camtrapMedia, camtrapObservations } from '../db/schema/index.js';
import { LEOPARD_TAXA } from './sightings.js';

/** A photo a page may show: public in its package, on a host staff allowed, over https. */
export interface WeekPhoto {
  url: string;
  host: string;
  /** A leopard is on it (one is preferred when the week has any). */
  hasLeopard: boolean;
}

/** The camera-week a photo is looked for in, and the hosts its project allows. */
export interface PhotoSearch {
  deploymentRowId: number;
  projectId: number;
  startAt: number;
  endAt: number;
  hosts: readonly string[];
}

const CANDIDATES = 20;

/** A project's allowed photo hosts, as stored (comma-separated). */
export function hostsOf(text: string): string[] {
  return text.split(',').filter(Boolean);
}

/**
 * One photo from a camera-week, or null: a leopard's if the week has a public one, else the first
 * public photo of the week. Only media the package marked public were kept at import; of those,
 * only an https address on one of the project's allowed hosts is ever shown. Two reads from
 * indexes, and none at all for a project that allows no host (the default).
 */
export function findWeekPhoto(db: Db, week: PhotoSearch): WeekPhoto | null {
  if (week.hosts.length === 0) return null;
  const range = { deploymentRowId: week.deploymentRowId, startAt: week.startAt, endAt: week.endAt };
  const leopardMedia = prepared(db, leopardMediaIds)
    .all(range)
    .map((row) => row.mediaId!);
  if (leopardMedia.length > 0) {
    const photo = firstAllowed(
      db
        .select({ filePath: camtrapMedia.filePath })
        .from(camtrapMedia)
        .where(
          and(
            eq(camtrapMedia.projectId, week.projectId),
            inArray(camtrapMedia.mediaId, leopardMedia),
            like(camtrapMedia.mediatype, 'image/%'),
          ),
        )
        .all(),
      week.hosts,
    );
    if (photo) return { ...photo, hasLeopard: true };
  }
  const photo = firstAllowed(prepared(db, publicImages).all(range), week.hosts);
  return photo && { ...photo, hasLeopard: false };
}

function firstAllowed(rows: { filePath: string }[], hosts: readonly string[]): Omit<WeekPhoto, 'hasLeopard'> | null {
  for (const { filePath } of rows) {
    const url = URL.canParse(filePath) ? new URL(filePath) : null;
    if (url?.protocol === 'https:' && !url.username && !url.password && hosts.includes(url.hostname))
      return { url: url.href, host: url.hostname };
  }
  return null;
}

const inWeek = (column: typeof camtrapObservations.eventStart | typeof camtrapMedia.takenAt) =>
  and(gte(column, sql.placeholder('startAt')), lt(column, sql.placeholder('endAt')));

const leopardMediaIds = (db: Db) =>
  db
    .select({ mediaId: camtrapObservations.mediaId })
    .from(camtrapObservations)
    .where(
      and(
        eq(camtrapObservations.deploymentRowId, sql.placeholder('deploymentRowId')),
        inWeek(camtrapObservations.eventStart),
        inArray(camtrapObservations.scientificName, LEOPARD_TAXA),
        isNotNull(camtrapObservations.mediaId),
      ),
    )
    .orderBy(asc(camtrapObservations.eventStart))
    .limit(CANDIDATES)
    .prepare();

const publicImages = (db: Db) =>
  db
    .select({ filePath: camtrapMedia.filePath })
    .from(camtrapMedia)
    .where(
      and(
        eq(camtrapMedia.deploymentRowId, sql.placeholder('deploymentRowId')),
        inWeek(camtrapMedia.takenAt),
        like(camtrapMedia.mediatype, 'image/%'),
      ),
    )
    .orderBy(asc(camtrapMedia.takenAt))
    .limit(CANDIDATES)
    .prepare();
