import { and, count, eq, notInArray, sql } from 'drizzle-orm';
import { transaction, type Db } from '../db/client.js';
import {
  camtrapDeployments,
  camtrapImports,
  camtrapMedia,
  camtrapObservations,
  camtrapProjects,
} from '../db/schema/index.js';
import { AppError } from '../errors.js';
import type { Actor } from '../staff/audit-log.js';
import { recordAudit } from '../staff/audit-log.js';
import { syncCameraWeeks } from './camera-weeks.js';
import { summarizeWeeks } from './sightings.js';
import { readDescriptor, type PackageDescriptor } from './descriptor.js';
import { openPackageSource, type PackageSource } from './package-source.js';
import { ProblemReport, type PackageProblem } from './problems.js';
import {
  checkAcrossRows,
  createStaging,
  dropStaging,
  stageDeployments,
  stageMedia,
  stageObservations,
  stageTable,
} from './stage-package.js';
import { TABLES } from './table-schema.js';

export interface Changes {
  added: number;
  changed: number;
  removed: number;
  unchanged: number;
}

/** What an import found and did: the report kept with it, and shown on the console and the command line. */
export interface ImportSummary {
  project: string;
  rows: Record<(typeof TABLES)[number], number>;
  deployments: Changes;
  observations: Changes;
  /** Media rows in the package, and those marked public (the only ones kept). */
  media: { rows: number; public: number };
  cameraWeeks: { added: number; withdrawn: number };
}

export type ImportResult =
  | { status: 'imported'; importId: number; summary: ImportSummary }
  | { status: 'refused'; importId: number; problems: PackageProblem[]; problemCount: number; lines: string[] };

export interface ImportOptions {
  actor: Actor;
  now: () => number;
  /** How the package was called when it arrived (the file name of an upload), for the history. */
  sourceName?: string;
  onProgress?: (bytesRead: number, totalBytes: number) => void;
}

/**
 * Imports a Camera Trap Data Package (a folder, a `datapackage.json`, or a `.zip`). Every rule of
 * the standard is checked before anything is written; a package that breaks one is refused whole,
 * with a report naming file, row, field and rule. An accepted package is applied in one
 * transaction: its project's deployments, observations and public media become what the package
 * says (keyed by the standard's IDs, so the same package again changes nothing), camera-weeks
 * follow the deployments' dates, and the history says what was added, changed and removed.
 */
export async function importPackage(db: Db, location: string, options: ImportOptions): Promise<ImportResult> {
  const startedAt = options.now();
  const report = new ProblemReport();
  let source: PackageSource | null = null;
  try {
    source = await openPackageSource(location);
    const descriptor = readDescriptor(await source.readDescriptor(), report);
    if (descriptor) {
      createStaging(db);
      const rows = await stageAll(db, source, descriptor, report, options.onProgress);
      if (report.isEmpty) checkAcrossRows(db, descriptor.paths, report);
      if (report.isEmpty) return applyImport(db, descriptor, rows, options, startedAt);
    }
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    report.add({ file: options.sourceName ?? location, rule: error.message });
  } finally {
    source?.close();
    dropStaging(db);
  }
  return recordRefusal(db, report, options, startedAt);
}

async function stageAll(
  db: Db,
  source: PackageSource,
  descriptor: PackageDescriptor,
  report: ProblemReport,
  onProgress: ImportOptions['onProgress'],
): Promise<ImportSummary['rows']> {
  const total = TABLES.reduce((sum, table) => sum + source.sizeOf(descriptor.paths[table]), 0);
  let done = 0;
  const rows = { deployments: 0, media: 0, observations: 0 };
  for (const table of TABLES) {
    const input = await source.open(descriptor.paths[table]);
    rows[table] = await stageTable(db, table, descriptor.paths[table], input, report, (bytes) => {
      done += bytes;
      onProgress?.(done, total);
    });
  }
  return rows;
}

function recordRefusal(db: Db, report: ProblemReport, options: ImportOptions, startedAt: number): ImportResult {
  const row = db
    .insert(camtrapImports)
    .values({
      sourceName: options.sourceName ?? 'package',
      status: 'refused',
      report: { problems: report.listed },
      problemCount: report.total,
      actor: options.actor.email,
      startedAt,
      finishedAt: options.now(),
    })
    .returning({ id: camtrapImports.id })
    .get();
  return {
    status: 'refused',
    importId: row.id,
    problems: report.listed,
    problemCount: report.total,
    lines: report.lines(),
  };
}

function applyImport(
  db: Db,
  descriptor: PackageDescriptor,
  rows: ImportSummary['rows'],
  options: ImportOptions,
  startedAt: number,
): ImportResult {
  return transaction(
    db,
    (tx) => {
      const now = options.now();
      const projectId = upsertProject(tx, descriptor, now);
      const importId = tx
        .insert(camtrapImports)
        .values({
          projectId,
          sourceName: options.sourceName ?? descriptor.packageName ?? 'package',
          packageName: descriptor.packageName,
          status: 'imported',
          report: {},
          actor: options.actor.email,
          startedAt,
          finishedAt: now,
        })
        .returning({ id: camtrapImports.id })
        .get().id;
      const deployments = applyDeployments(tx, projectId, importId);
      const cameraWeeks = syncProjectWeeks(tx, projectId, now);
      const observations = applyObservations(tx, projectId);
      summarizeWeeks(tx, projectId, descriptor.commonNames);
      const media = applyMedia(tx, projectId);
      const summary: ImportSummary = {
        project: descriptor.projectKey,
        rows,
        deployments,
        observations,
        media,
        cameraWeeks,
      };
      tx.update(camtrapImports)
        .set({ report: summary, finishedAt: options.now() })
        .where(eq(camtrapImports.id, importId))
        .run();
      recordAudit(tx, options.actor, now, 'camtrap.import', `camtrap_import:${importId}`, null, summary);
      return { status: 'imported' as const, importId, summary };
    },
    'immediate',
  );
}

function upsertProject(tx: Db, descriptor: PackageDescriptor, now: number): number {
  const existing = tx
    .select({ id: camtrapProjects.id })
    .from(camtrapProjects)
    .where(eq(camtrapProjects.packageProjectId, descriptor.projectKey))
    .get();
  if (existing) {
    tx.update(camtrapProjects).set({ title: descriptor.projectTitle }).where(eq(camtrapProjects.id, existing.id)).run();
    return existing.id;
  }
  return tx
    .insert(camtrapProjects)
    .values({ packageProjectId: descriptor.projectKey, title: descriptor.projectTitle, createdAt: now })
    .returning({ id: camtrapProjects.id })
    .get().id;
}

/** The project's deployments become the package's: new ones added, corrected ones updated, missing ones marked removed. */
function applyDeployments(tx: Db, projectId: number, importId: number): Changes {
  const d = camtrapDeployments;
  const s = stageDeployments;
  const staged = tx.select().from(s).all();
  const existing = new Map(
    tx
      .select()
      .from(d)
      .where(eq(d.projectId, projectId))
      .all()
      .map((row) => [row.deploymentId, row]),
  );
  const changes: Changes = { added: 0, changed: 0, removed: 0, unchanged: 0 };
  for (const { row: _line, ...fields } of staged) {
    const known = existing.get(fields.deploymentId);
    if (!known) {
      tx.insert(d)
        .values({ ...fields, projectId, importId })
        .run();
      changes.added++;
    } else if (known.contentHash !== fields.contentHash || known.isRemoved) {
      tx.update(d)
        .set({ ...fields, isRemoved: false, importId })
        .where(eq(d.id, known.id))
        .run();
      changes.changed++;
    } else {
      changes.unchanged++;
    }
  }
  const stagedIds = staged.map((row) => row.deploymentId);
  changes.removed = tx
    .update(d)
    .set({ isRemoved: true, importId })
    .where(
      and(
        eq(d.projectId, projectId),
        eq(d.isRemoved, false),
        stagedIds.length > 0 ? notInArray(d.deploymentId, stagedIds) : undefined,
      ),
    )
    .run().changes;
  // Media are counted per deployment; only public ones are kept (applyMedia).
  const mediaCounts = tx
    .select({ deploymentId: stageMedia.deploymentId, n: count() })
    .from(stageMedia)
    .groupBy(stageMedia.deploymentId)
    .all();
  for (const { deploymentId, n } of mediaCounts) {
    tx.update(d)
      .set({ mediaCount: n })
      .where(and(eq(d.projectId, projectId), eq(d.deploymentId, deploymentId)))
      .run();
  }
  return changes;
}

/** Every deployment of the project gets the camera-weeks its dates now give it. */
function syncProjectWeeks(tx: Db, projectId: number, now: number): ImportSummary['cameraWeeks'] {
  const totals = { added: 0, withdrawn: 0 };
  for (const deployment of tx
    .select()
    .from(camtrapDeployments)
    .where(eq(camtrapDeployments.projectId, projectId))
    .all()) {
    const isUsable = !deployment.isRemoved && !deployment.hasTimestampIssues;
    const result = syncCameraWeeks(
      tx,
      { id: deployment.id, startAt: deployment.startAt, endAt: deployment.endAt, isUsable },
      now,
    );
    totals.added += result.added;
    totals.withdrawn += result.withdrawn;
  }
  return totals;
}

/** The project's observations become the package's, counted against the last import by ID and content. */
function applyObservations(tx: Db, projectId: number): Changes {
  const o = camtrapObservations;
  const s = stageObservations;
  const countOf = (query: ReturnType<typeof sql>) => tx.get<{ n: number }>(query)?.n ?? 0;
  const inProject = sql`${o.projectId} = ${projectId}`;
  const added = countOf(
    sql`select count(*) as n from ${s} where ${s.observationId} not in (select ${o.observationId} from ${o} where ${inProject})`,
  );
  const changed = countOf(
    sql`select count(*) as n from ${s} join ${o} on ${o.observationId} = ${s.observationId} and ${inProject} where ${o.contentHash} <> ${s.contentHash}`,
  );
  const existing = tx.select({ n: count() }).from(o).where(eq(o.projectId, projectId)).get()?.n ?? 0;
  const staged = tx.select({ n: count() }).from(s).get()?.n ?? 0;
  tx.delete(o).where(eq(o.projectId, projectId)).run();
  tx.run(sql`insert into ${o} (${sql.join(
    [
      o.projectId,
      o.deploymentRowId,
      o.observationId,
      o.mediaId,
      o.eventId,
      o.eventStart,
      o.eventEnd,
      o.level,
      o.type,
      o.scientificName,
      o.count,
      o.lifeStage,
      o.individualId,
      o.contentHash,
    ].map((column) => sql.identifier(column.name)),
    sql`, `,
  )})
    select ${projectId}, ${camtrapDeployments.id}, ${s.observationId}, ${s.mediaId}, ${s.eventId}, ${s.eventStart}, ${s.eventEnd}, ${s.level}, ${s.type},
      ${s.scientificName}, ${s.count}, ${s.lifeStage}, ${s.individualId}, ${s.contentHash}
    from ${s} join ${camtrapDeployments} on ${camtrapDeployments.deploymentId} = ${s.deploymentId} and ${camtrapDeployments.projectId} = ${projectId}`);
  const removed = existing - (staged - added);
  return { added, changed, removed, unchanged: staged - added - changed };
}

/** Public media: the only ones ever shown, so the only ones kept. */
function applyMedia(tx: Db, projectId: number): ImportSummary['media'] {
  const m = camtrapMedia;
  const s = stageMedia;
  tx.delete(m).where(eq(m.projectId, projectId)).run();
  tx.run(sql`insert into ${m} (${sql.join(
    [m.projectId, m.deploymentRowId, m.mediaId, m.takenAt, m.filePath, m.mediatype].map((column) =>
      sql.identifier(column.name),
    ),
    sql`, `,
  )})
    select ${projectId}, ${camtrapDeployments.id}, ${s.mediaId}, ${s.takenAt}, ${s.filePath}, ${s.mediatype}
    from ${s} join ${camtrapDeployments} on ${camtrapDeployments.deploymentId} = ${s.deploymentId} and ${camtrapDeployments.projectId} = ${projectId}
    where ${s.isPublic} = 1`);
  const rows = tx.select({ n: count() }).from(s).get()?.n ?? 0;
  const isPublic = tx.select({ n: count() }).from(m).where(eq(m.projectId, projectId)).get()?.n ?? 0;
  return { rows, public: isPublic };
}
