import { eq, inArray, sql } from 'drizzle-orm';
import { paramsFor, prepared, type Db } from '../db/client.js';
import { cameraWeeks, camtrapDeployments, camtrapObservations } from '../db/schema/index.js';

/** The Amur leopard, as packages name it: the subspecies, or the species when not told apart. */
export const LEOPARD_TAXA = ['Panthera pardus orientalis', 'Panthera pardus'];
const JUVENILE = 'juvenile';

interface SeenRow {
  weekId: number;
  scientificName: string;
  visits: number;
  cubVisits: number;
  individuals: number;
}

/**
 * What each camera-week of a project saw, summed once per import: visits are events, never photos.
 * A deployment whose observations include event-level ones is counted by those; otherwise its
 * media-level observations are grouped by event (or, without one, by medium). So an event with
 * twenty photos of one leopard is one visit, and no visit is counted twice.
 */
export function summarizeWeeks(tx: Db, projectId: number, commonNames: Map<string, string>): void {
  const o = camtrapObservations;
  const w = cameraWeeks;
  const d = camtrapDeployments;
  const levels = sql`(select ${o.deploymentRowId} as deployment_row_id, max(${o.level} = 'event') as has_events
    from ${o} where ${o.projectId} = ${projectId} group by 1) levels`;
  const event = sql`coalesce(${o.eventId}, ${o.mediaId}, ${o.observationId})`;
  const rows = tx.all<SeenRow>(sql`
    select ${w.id} as weekId, ${o.scientificName} as scientificName,
      count(distinct ${event}) as visits,
      count(distinct case when ${o.lifeStage} = ${JUVENILE} then ${event} end) as cubVisits,
      count(distinct ${o.individualId}) as individuals
    from ${w}
    join ${d} on ${d.id} = ${w.deploymentRowId} and ${d.projectId} = ${projectId}
    join ${o} on ${o.deploymentRowId} = ${w.deploymentRowId} and ${o.eventStart} >= ${w.startAt} and ${o.eventStart} < ${w.endAt}
    join ${levels} on levels.deployment_row_id = ${o.deploymentRowId}
    where ${w.isWithdrawn} = 0 and ${o.type} = 'animal' and ${o.scientificName} is not null
      and ${o.level} = case when levels.has_events then 'event' else 'media' end
    group by 1, 2`);
  const byWeek = new Map<number, SeenRow[]>();
  for (const row of rows) byWeek.set(row.weekId, [...(byWeek.get(row.weekId) ?? []), row]);
  // Weeks with nothing on camera are written too: a camera that watched and saw no leopard is still monitoring.
  tx.update(w)
    .set({ leopardVisits: 0, cubVisits: 0, leopardIndividuals: 0, otherSpecies: [] })
    .where(inArray(w.deploymentRowId, tx.select({ id: d.id }).from(d).where(eq(d.projectId, projectId))))
    .run();
  for (const [weekId, seen] of byWeek) {
    const leopards = seen.filter((row) => LEOPARD_TAXA.includes(row.scientificName));
    const others = seen
      .filter((row) => !LEOPARD_TAXA.includes(row.scientificName))
      .map((row) => ({ name: commonNames.get(row.scientificName) ?? row.scientificName, visits: row.visits }))
      .sort((a, b) => b.visits - a.visits || a.name.localeCompare(b.name));
    prepared(tx, updateWeekSeen).run({
      weekId,
      leopardVisits: leopards.reduce((n, row) => n + row.visits, 0),
      cubVisits: leopards.reduce((n, row) => n + row.cubVisits, 0),
      leopardIndividuals: leopards.reduce((n, row) => n + row.individuals, 0),
      otherSpecies: others,
    });
  }
}

/** One week's sightings, written once per week that saw anything (tens of thousands in a season's import). */
const updateWeekSeen = (db: Db) =>
  db
    .update(cameraWeeks)
    .set(paramsFor(cameraWeeks, ['leopardVisits', 'cubVisits', 'leopardIndividuals', 'otherSpecies']))
    .where(eq(cameraWeeks.id, sql.placeholder('weekId')))
    .prepare();
