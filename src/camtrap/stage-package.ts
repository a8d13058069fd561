import { createHash } from 'node:crypto';
import { Transform, type Readable } from 'node:stream';
import { parse } from 'csv-parse';
import { getTableColumns, getTableName, sql, type SQL } from 'drizzle-orm';
import { integer, real, sqliteTable, text, type SQLiteColumn, type SQLiteTable } from 'drizzle-orm/sqlite-core';
import { placeholdersFor, prepared, transaction, type Db } from '../db/client.js';
import { ProblemReport } from './problems.js';
import { readCell, TABLE_SCHEMAS, type CellValue, type DateTimeValue, type TableName } from './table-schema.js';

/**
 * A package's rows, checked cell by cell against the standard and held in temporary tables on the
 * import's own connection until the whole package has passed: so a package of any size is read in
 * bounded memory, nothing reaches the app's tables until every rule holds, and the checks that
 * span rows (unique IDs, references between tables) are plain queries.
 */
export const stageDeployments = sqliteTable('stage_deployments', {
  deploymentId: text('deployment_id').notNull(),
  row: integer('row').notNull(),
  locationId: text('location_id'),
  locationName: text('location_name'),
  latitude: real('latitude').notNull(),
  longitude: real('longitude').notNull(),
  coordinateUncertainty: integer('coordinate_uncertainty'),
  startAt: integer('start_at').notNull(),
  endAt: integer('end_at').notNull(),
  utcOffsetMinutes: integer('utc_offset_minutes').notNull(),
  hasTimestampIssues: integer('has_timestamp_issues', { mode: 'boolean' }).notNull(),
  contentHash: text('content_hash').notNull(),
});

export const stageMedia = sqliteTable('stage_media', {
  mediaId: text('media_id').notNull(),
  row: integer('row').notNull(),
  deploymentId: text('deployment_id').notNull(),
  takenAt: integer('taken_at').notNull(),
  isPublic: integer('is_public', { mode: 'boolean' }).notNull(),
  /** Kept for public media only: nothing else is ever shown. */
  filePath: text('file_path'),
  mediatype: text('mediatype').notNull(),
});

export const stageObservations = sqliteTable('stage_observations', {
  observationId: text('observation_id').notNull(),
  row: integer('row').notNull(),
  deploymentId: text('deployment_id').notNull(),
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
});

const STAGES: Record<TableName, SQLiteTable> = {
  deployments: stageDeployments,
  media: stageMedia,
  observations: stageObservations,
};

/** Longest CSV record taken: a camera-trap row is a few hundred bytes; anything like this is not one. */
const MAX_RECORD_BYTES = 64 * 1024;
const ROWS_PER_TRANSACTION = 2000;

/** Creates the empty temporary tables of one import (dropped by dropStaging). */
export function createStaging(db: Db): void {
  dropStaging(db);
  for (const table of Object.values(STAGES)) {
    const columns = Object.values(getTableColumns(table)).map(
      (column) => sql`${sql.identifier(column.name)} ${sql.raw(column.getSQLType())}`,
    );
    db.run(sql`create temp table ${table} (${sql.join(columns, sql`, `)})`);
  }
}

export function dropStaging(db: Db): void {
  for (const table of Object.values(STAGES)) db.run(sql`drop table if exists temp.${table}`);
}

type Row = Record<string, CellValue>;

/**
 * Reads one table's CSV (a byte-order mark and CRLF line ends are fine) into its temporary table,
 * adding every broken rule to `report`. A header without one of the standard's required columns
 * stops that table at once; other problems are listed and reading goes on, to report them all.
 */
export async function stageTable(
  db: Db,
  table: TableName,
  file: string,
  input: Readable,
  report: ProblemReport,
  onBytes: (n: number) => void,
): Promise<number> {
  const schema = TABLE_SCHEMAS[table];
  const counted = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      onBytes(chunk.length);
      done(null, chunk);
    },
  });
  const parser = input.pipe(counted).pipe(
    parse({
      bom: true,
      relax_column_count: true,
      max_record_size: MAX_RECORD_BYTES,
      skip_empty_lines: true,
      info: true,
    }),
  );
  let columns: Map<string, number> | null = null;
  let batch: Row[] = [];
  let rows = 0;
  const flush = () => {
    if (batch.length === 0) return;
    const rowsToInsert = batch;
    batch = [];
    transaction(db, () => rowsToInsert.forEach((row) => insertStaged(db, table, row)));
  };
  try {
    for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      if (!columns) {
        columns = new Map(record.map((name, i) => [name.trim(), i]));
        const missing = schema.fields.filter((f) => f.constraints?.required && !columns!.has(f.name));
        for (const field of missing)
          report.add({
            file,
            row: 1,
            field: field.name,
            rule: 'is a required column of the standard, and the header lacks it',
          });
        if (missing.length > 0) return 0;
        continue;
      }
      rows++;
      const row = readRow(table, file, info.lines, record, columns, report);
      if (row && report.isEmpty) batch.push(row);
      if (batch.length >= ROWS_PER_TRANSACTION) flush();
    }
  } catch (error) {
    report.add({ file, rule: `could not be read as CSV: ${error instanceof Error ? error.message : String(error)}` });
  }
  if (!columns) report.add({ file, rule: 'is empty: it needs at least its header row' });
  flush();
  return rows;
}

function readRow(
  table: TableName,
  file: string,
  line: number,
  record: string[],
  columns: Map<string, number>,
  report: ProblemReport,
): Row | null {
  const schema = TABLE_SCHEMAS[table];
  const values: Row = {};
  let isValid = true;
  for (const field of schema.fields) {
    const index = columns.get(field.name);
    const cell = readCell(field, index === undefined ? undefined : record[index], schema.missingValues);
    if ('broken' in cell) {
      report.add({ file, row: line, field: field.name, rule: cell.broken });
      isValid = false;
    } else {
      values[field.name] = cell.value;
    }
  }
  if (!isValid) return null;
  const order = ORDERED_FIELDS[table];
  if (order && (values[order[1]] as DateTimeValue).ms < (values[order[0]] as DateTimeValue).ms) {
    report.add({ file, row: line, field: order[1], rule: `must not be before ${order[0]}` });
    return null;
  }
  return { ...values, row: line };
}

/** Pairs of date-times where the second must not come before the first. */
const ORDERED_FIELDS: Partial<Record<TableName, [string, string]>> = {
  deployments: ['deploymentStart', 'deploymentEnd'],
  observations: ['eventStart', 'eventEnd'],
};

const at = (value: CellValue | undefined) => (value as DateTimeValue).ms;
const text_ = (value: CellValue | undefined) => (value === null || value === undefined ? null : String(value));

function insertStaged(db: Db, table: TableName, v: Row): void {
  if (table === 'deployments') {
    const row = {
      deploymentId: String(v.deploymentID),
      row: v.row as number,
      locationId: text_(v.locationID),
      locationName: text_(v.locationName),
      latitude: v.latitude as number,
      longitude: v.longitude as number,
      coordinateUncertainty: (v.coordinateUncertainty as number | null) ?? null,
      startAt: at(v.deploymentStart),
      endAt: at(v.deploymentEnd),
      utcOffsetMinutes: (v.deploymentStart as DateTimeValue).offsetMinutes,
      hasTimestampIssues: v.timestampIssues === true,
    };
    prepared(db, insertDeployment).run({ ...row, contentHash: hashOf(row) });
  } else if (table === 'media') {
    const isPublic = v.filePublic === true;
    prepared(db, insertMedia).run({
      mediaId: String(v.mediaID),
      row: v.row as number,
      deploymentId: String(v.deploymentID),
      takenAt: at(v.timestamp),
      isPublic,
      filePath: isPublic ? String(v.filePath) : null,
      mediatype: String(v.fileMediatype),
    });
  } else {
    const row = {
      observationId: String(v.observationID),
      row: v.row as number,
      deploymentId: String(v.deploymentID),
      mediaId: text_(v.mediaID),
      eventId: text_(v.eventID),
      eventStart: at(v.eventStart),
      eventEnd: at(v.eventEnd),
      level: v.observationLevel as 'media' | 'event',
      type: String(v.observationType),
      scientificName: text_(v.scientificName),
      count: (v.count as number | null) ?? null,
      lifeStage: text_(v.lifeStage),
      individualId: text_(v.individualID),
    };
    prepared(db, insertObservation).run({ ...row, contentHash: hashOf(row) });
  }
}

/** A short fingerprint of what was imported of a row, without its position in the file. */
function hashOf(row: Record<string, unknown>): string {
  const { row: _line, ...content } = row;
  return createHash('sha1').update(JSON.stringify(content)).digest('base64url').slice(0, 16);
}

const insertInto = (table: SQLiteTable) => (db: Db) => {
  const fields = Object.keys(getTableColumns(table));
  return db.insert(table).values(placeholdersFor(fields)).prepare();
};
const insertDeployment = insertInto(stageDeployments);
const insertMedia = insertInto(stageMedia);
const insertObservation = insertInto(stageObservations);

/**
 * The rules that span rows: every ID unique in its table, and every reference to a deployment or a
 * medium one the package has. Each broken one is reported at the row that breaks it.
 */
export function checkAcrossRows(db: Db, paths: Record<TableName, string>, report: ProblemReport): void {
  const keys: [TableName, SQLiteTable, SQLiteColumn, string][] = [
    ['deployments', stageDeployments, stageDeployments.deploymentId, 'deploymentID'],
    ['media', stageMedia, stageMedia.mediaId, 'mediaID'],
    ['observations', stageObservations, stageObservations.observationId, 'observationID'],
  ];
  for (const [table, stage, key, field] of keys) {
    const rowColumn = getTableColumns(stage).row!;
    db.run(
      sql`create index if not exists ${sql.identifier(`temp.${getTableName(stage)}_key`)} on ${stage} (${sql.identifier(key.name)}, ${sql.identifier(rowColumn.name)})`,
    );
    const [k, r] = [sql.identifier(key.name), sql.identifier(rowColumn.name)];
    const duplicates = db.all<{ id: string; row: number }>(
      sql`select s.${k} as id, s.${r} as row from ${stage} as s
        where exists (select 1 from ${stage} as earlier where earlier.${k} = s.${k} and earlier.${r} < s.${r})
        order by 2 limit 101`,
    );
    for (const d of duplicates)
      report.add({
        file: paths[table],
        row: d.row,
        field,
        rule: `"${d.id}" is used by an earlier row: IDs must be unique`,
      });
  }
  const deployments = sql`select ${stageDeployments.deploymentId} from ${stageDeployments}`;
  const references: [TableName, SQLiteTable, SQLiteColumn, string, SQL, string][] = [
    ['media', stageMedia, stageMedia.deploymentId, 'deploymentID', deployments, 'a deployment'],
    ['observations', stageObservations, stageObservations.deploymentId, 'deploymentID', deployments, 'a deployment'],
    [
      'observations',
      stageObservations,
      stageObservations.mediaId,
      'mediaID',
      sql`select ${stageMedia.mediaId} from ${stageMedia}`,
      'a medium',
    ],
  ];
  for (const [table, stage, column, field, known, what] of references) {
    const rowColumn = getTableColumns(stage).row!;
    const broken = db.all<{ id: string; row: number }>(
      sql`select ${column} as id, ${rowColumn} as row from ${stage} where ${column} is not null and ${column} not in (${known}) order by 2 limit 101`,
    );
    for (const b of broken)
      report.add({ file: paths[table], row: b.row, field, rule: `"${b.id}" is not ${what} of this package` });
  }
}
