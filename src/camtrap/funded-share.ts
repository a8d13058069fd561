import { count, eq, isNotNull, max, sql, type AnyColumn } from 'drizzle-orm';
import { prepared, type Db } from '../db/client.js';
import { cameraWeeks, camtrapDeployments, camtrapImports, trapWeekAllocations } from '../db/schema/index.js';

/** One calendar year of the park's camera-weeks, and the part of them sock buyers funded. */
export interface FundedYear {
  year: number;
  /** Camera-weeks the park ran that year, by the day each starts on the camera's own clock; withdrawn ones left out. */
  ran: number;
  /** Of those, the ones a funded trap-week holds. */
  funded: number;
  /** Leopard visits the cameras recorded on the funded weeks, and the visits among them with a cub. */
  leopardVisits: number;
  cubVisits: number;
}

interface Memo {
  version: string;
  years: FundedYear[];
}

const memos = new WeakMap<Db, Memo>();

/**
 * The park's camera-weeks per year, oldest first, and how many of them sock buyers funded, with the
 * leopard visits seen on those: public figures, never a place. The figures take a pass over every
 * camera-week (tens of milliseconds at a few years of the park's cameras), while the home page is
 * rendered again after every write; so they are kept per database and read again only when the
 * camera data's version moves (see cameraDataVersion), which costs one scan of a small index.
 */
export function fundedShareByYear(db: Db): FundedYear[] {
  const { lastImport, held, lastAllocated } = prepared(db, cameraDataVersion).get()!;
  const version = `${lastImport}:${held}:${lastAllocated}`;
  const memo = memos.get(db);
  if (memo?.version === version) return memo.years;
  const years = prepared(db, yearFigures).all();
  memos.set(db, { version, years });
  return years;
}

const w = cameraWeeks;
const a = trapWeekAllocations;
/** The year a week starts in, on its camera's own clock: the dates buyers are shown. */
const localYear = sql<number>`cast(strftime('%Y', (${w.startAt} + ${camtrapDeployments.utcOffsetMinutes} * 60000) / 1000, 'unixepoch') as integer)`;
const onFunded = (column: AnyColumn) => sql<number>`total(iif(${a.id} is null, 0, ${column}))`;

/** One statement: each open camera-week, its deployment's clock (a primary key) and whether a trap-week holds it (a unique index). */
const yearFigures = (db: Db) =>
  db
    .select({
      year: localYear,
      ran: count(),
      funded: count(a.id),
      leopardVisits: onFunded(w.leopardVisits).mapWith(Number),
      cubVisits: onFunded(w.cubVisits).mapWith(Number),
    })
    .from(w)
    .innerJoin(camtrapDeployments, eq(camtrapDeployments.id, w.deploymentRowId))
    .leftJoin(a, eq(a.cameraWeekId, w.id))
    .where(eq(w.isWithdrawn, false))
    .groupBy(localYear)
    .orderBy(localYear)
    .prepare();

/**
 * What the figures depend on. Camera-weeks change only in an import, and every import adds a row to
 * camtrap_imports. Trap-weeks take and give back camera-weeks only in the allocator: each pass
 * stamps the weeks it gives with the clock's time, which has moved on since the last pass, so a week
 * given moves the latest allocated_at; a week released (a refund) and not given again lowers the
 * count of weeks held. The latest import and allocation are read at the end of an index; the count
 * is one scan of the held weeks' covering index (about 20 ns a week).
 */
const cameraDataVersion = (db: Db) =>
  db
    .select({
      lastImport: sql<number | null>`(select ${max(camtrapImports.id)} from ${camtrapImports})`,
      held: sql<number>`(select ${count()} from ${a} where ${isNotNull(a.cameraWeekId)})`,
      lastAllocated: sql<number | null>`(select ${max(a.allocatedAt)} from ${a} where ${isNotNull(a.allocatedAt)})`,
    })
    .from(sql`(select 1)`)
    .prepare();
