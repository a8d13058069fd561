import { sql } from 'drizzle-orm';
import { index, integer, real, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { orders } from './orders.js';

/**
 * The park's camera-trap data, imported from Camera Trap Data Packages (Camtrap DP 1.0), and the
 * camera-weeks each funded trap-week is matched to. Identifiers from a package (`deploymentID`,
 * `observationID`, …) are kept verbatim, unique within their project. Coordinates are kept for
 * staff only: nothing a shopper, an email, a public API or a log sees ever carries them.
 */

/** A camera-trap project, as packages name it (`project.id`); each keeps its own IDs. */
export const camtrapProjects = sqliteTable('camtrap_projects', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  packageProjectId: text('package_project_id').notNull().unique(),
  title: text('title').notNull(),
  /** How staff see coordinates: not at all, or rounded to 0.1° (GBIF's advice for highly sensitive species). */
  coordinatePolicy: text('coordinate_policy', { enum: ['hidden', 'rounded'] })
    .notNull()
    .default('hidden'),
  /** Hosts whose public photos staff allow on pages, comma-separated; none by default. */
  photoHosts: text('photo_hosts').notNull().default(''),
  createdAt: integer('created_at').notNull(),
});

/** Every import tried: what it added, changed and removed, or why it was refused. */
export const camtrapImports = sqliteTable('camtrap_imports', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  projectId: integer('project_id').references(() => camtrapProjects.id),
  sourceName: text('source_name').notNull(),
  packageName: text('package_name'),
  status: text('status', { enum: ['imported', 'refused'] }).notNull(),
  /** JSON: rows read and what changed per table (imported), or the first problems (refused). */
  report: text('report', { mode: 'json' }).notNull(),
  problemCount: integer('problem_count').notNull().default(0),
  actor: text('actor').notNull(),
  startedAt: integer('started_at').notNull(),
  finishedAt: integer('finished_at').notNull(),
});

/** One camera placement: where, and when it ran. */
export const camtrapDeployments = sqliteTable(
  'camtrap_deployments',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    projectId: integer('project_id')
      .notNull()
      .references(() => camtrapProjects.id),
    deploymentId: text('deployment_id').notNull(),
    locationId: text('location_id'),
    locationName: text('location_name'),
    latitude: real('latitude').notNull(),
    longitude: real('longitude').notNull(),
    coordinateUncertainty: integer('coordinate_uncertainty'),
    startAt: integer('start_at').notNull(),
    endAt: integer('end_at').notNull(),
    /** The offset its start was written in: the camera's own clock, for showing its days. */
    utcOffsetMinutes: integer('utc_offset_minutes').notNull(),
    /** Clock trouble reported by the package: listed for staff, never funded. */
    hasTimestampIssues: integer('has_timestamp_issues', { mode: 'boolean' }).notNull(),
    mediaCount: integer('media_count').notNull().default(0),
    /** The fields above as imported, to tell a corrected deployment from an unchanged one. */
    contentHash: text('content_hash').notNull(),
    /** A later export of the project no longer has it: its weeks are withdrawn. */
    isRemoved: integer('is_removed', { mode: 'boolean' }).notNull().default(false),
    importId: integer('import_id')
      .notNull()
      .references(() => camtrapImports.id),
  },
  (t) => [uniqueIndex('camtrap_deployments_key').on(t.projectId, t.deploymentId)],
);

/** Seven days of one deployment's operating time, counted from its start. */
export const cameraWeeks = sqliteTable(
  'camera_weeks',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    deploymentRowId: integer('deployment_row_id')
      .notNull()
      .references(() => camtrapDeployments.id),
    slot: integer('slot').notNull(),
    startAt: integer('start_at').notNull(),
    endAt: integer('end_at').notNull(),
    /** Its deployment was removed or corrected away: it funds nothing more. */
    isWithdrawn: integer('is_withdrawn', { mode: 'boolean' }).notNull().default(false),
    // What the camera saw in the week, summed at import (observations change only then): leopard
    // visits are events, never photos; cubs are visits with a juvenile; individuals as identified.
    leopardVisits: integer('leopard_visits').notNull().default(0),
    cubVisits: integer('cub_visits').notNull().default(0),
    leopardIndividuals: integer('leopard_individuals').notNull().default(0),
    /** The other species seen, by common name, most visits first: `[{ "name": "roe deer", "visits": 3 }]`. */
    otherSpecies: text('other_species', { mode: 'json' })
      .$type<{ name: string; visits: number }[]>()
      .notNull()
      .default([]),
  },
  (t) => [
    uniqueIndex('camera_weeks_slot').on(t.deploymentRowId, t.startAt),
    // Weeks open to allocation, in the order they are handed out.
    index('camera_weeks_open')
      .on(t.startAt, t.id)
      .where(sql`${t.isWithdrawn} = 0`),
  ],
);

/** What the cameras saw. Media-level and event-level observations both, as the package has them. */
export const camtrapObservations = sqliteTable(
  'camtrap_observations',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    projectId: integer('project_id')
      .notNull()
      .references(() => camtrapProjects.id),
    deploymentRowId: integer('deployment_row_id')
      .notNull()
      .references(() => camtrapDeployments.id),
    observationId: text('observation_id').notNull(),
    mediaId: text('media_id'),
    eventId: text('event_id'),
    eventStart: integer('event_start').notNull(),
    eventEnd: integer('event_end').notNull(),
    level: text('level', { enum: ['media', 'event'] }).notNull(),
    type: text('type').notNull(),
    scientificName: text('scientific_name'),
    count: integer('count'),
    lifeStage: text('life_stage'),
    individualId: text('individual_id'),
    contentHash: text('content_hash').notNull(),
  },
  (t) => [
    uniqueIndex('camtrap_observations_key').on(t.projectId, t.observationId),
    index('camtrap_observations_seen').on(t.deploymentRowId, t.eventStart),
  ],
);

/** Photos and videos the package marks public: the only media kept (the rest are counted per deployment). */
export const camtrapMedia = sqliteTable(
  'camtrap_media',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    projectId: integer('project_id')
      .notNull()
      .references(() => camtrapProjects.id),
    deploymentRowId: integer('deployment_row_id')
      .notNull()
      .references(() => camtrapDeployments.id),
    mediaId: text('media_id').notNull(),
    takenAt: integer('taken_at').notNull(),
    filePath: text('file_path').notNull(),
    mediatype: text('mediatype').notNull(),
  },
  (t) => [
    uniqueIndex('camtrap_media_key').on(t.projectId, t.mediaId),
    index('camtrap_media_taken').on(t.deploymentRowId, t.takenAt),
  ],
);

/**
 * Each net funded trap-week of an order, numbered 1…n, and the camera-week it was given: null while
 * it waits for camera data (or is funded ahead of it). Once given, a camera-week stays with its
 * trap-week; a refund releases the order's latest trap-weeks, and nothing else moves them (a
 * withdrawn camera-week is re-matched, with a note saying so).
 */
export const trapWeekAllocations = sqliteTable(
  'trap_week_allocations',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    orderId: integer('order_id')
      .notNull()
      .references(() => orders.id),
    number: integer('number').notNull(),
    /** The order's payment time: the order in which trap-weeks are served, and the earliest week they may fund. */
    paidAt: integer('paid_at').notNull(),
    cameraWeekId: integer('camera_week_id').references(() => cameraWeeks.id),
    allocatedAt: integer('allocated_at'),
    /** Set when the camera-week it was given was withdrawn by a correction of the park's data. */
    movedAt: integer('moved_at'),
  },
  (t) => [
    uniqueIndex('trap_week_allocations_number').on(t.orderId, t.number),
    uniqueIndex('trap_week_allocations_week')
      .on(t.cameraWeekId)
      .where(sql`${t.cameraWeekId} is not null`),
    index('trap_week_allocations_waiting')
      .on(t.paidAt, t.orderId, t.number)
      .where(sql`${t.cameraWeekId} is null`),
    index('trap_week_allocations_allocated')
      .on(t.allocatedAt)
      .where(sql`${t.allocatedAt} is not null`),
  ],
);
