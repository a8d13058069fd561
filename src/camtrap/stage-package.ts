import crypto from 'node:crypto';
import type { Readable } from 'node:stream';
import { getTableColumns, getTableName, sql, type SQL } from 'drizzle-orm';
import { integer, real, sqliteTable, text, type SQLiteColumn, type SQLiteTable } from 'drizzle-orm/sqlite-core';
import { prepared, transaction, type Db } from '../db/client.js';
import { readCsvRecords, StopReading } from './csv-records.js';
import { ProblemReport } from './problems.js';
import {
  BrokenCell,
  cellReader,
  TABLE_SCHEMAS,
  type CellValue,
  type DateTimeValue,
  type TableName,
} from './table-schema.js';

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

/** Rows written to a temporary table at a time, in one statement. */
const ROWS_PER_BATCH = 2000;

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
  const batch = new StagingBatch(db, table);
  let readRow: RowReader | null = null;
  let rows = 0;
  const onRecord = (record: string[], line: number) => {
    if (!readRow) {
      readRow = headerOf(table, file, record, report);
      if (!readRow) throw new StopReading();
      return;
    }
    rows++;
    const row = readRow(record, line);
    if (row && report.isEmpty) batch.add(row);
  };
  try {
    await readCsvRecords(input, onRecord, (bytes) => {
      onBytes(bytes);
      batch.flushFull();
    });
  } catch (error) {
    report.add({ file, rule: `could not be read as CSV: ${error instanceof Error ? error.message : String(error)}` });
  }
  if (!readRow) report.add({ file, rule: 'is empty: it needs at least its header row' });
  if (report.isEmpty) batch.flush();
  return rows;
}

/** A record's cells checked and made into its temporary table's row; null when a cell breaks a rule (reported). */
type RowReader = (record: string[], line: number) => unknown[] | null;

/**
 * The header names the columns: each of the standard's fields is read from its own, every cell by
 * its field's compiled rules. Null, with the missing columns reported, when the header lacks a
 * column the standard requires.
 */
function headerOf(table: TableName, file: string, header: string[], report: ProblemReport): RowReader | null {
  const schema = TABLE_SCHEMAS[table];
  const columns = new Map(header.map((name, i) => [name.trim(), i]));
  const missing = schema.fields.filter((f) => f.constraints?.required && !columns.has(f.name));
  for (const field of missing)
    report.add({
      file,
      row: 1,
      field: field.name,
      rule: 'is a required column of the standard, and the header lacks it',
    });
  if (missing.length > 0) return null;
  // A field the header lacks is optional (see above) and missing from every row: nothing to read.
  const fields = schema.fields
    .filter((field) => columns.has(field.name))
    .map((field) => ({
      name: field.name,
      index: columns.get(field.name)!,
      read: cellReader(field, schema.missingValues),
    }));
  const toStaged = STAGED_ROW[table];
  const order = ORDERED_FIELDS[table];
  return (record, line) => {
    const values: Row = {};
    let isValid = true;
    for (let i = 0; i < fields.length; i++) {
      const { name, index, read } = fields[i]!;
      const value = read(record[index]);
      if (value instanceof BrokenCell) {
        report.add({ file, row: line, field: name, rule: value.rule });
        isValid = false;
      } else values[name] = value;
    }
    if (!isValid) return null;
    if (order && (values[order[1]] as DateTimeValue).ms < (values[order[0]] as DateTimeValue).ms) {
      report.add({ file, row: line, field: order[1], rule: `must not be before ${order[0]}` });
      return null;
    }
    return toStaged(values, line);
  };
}

/** Pairs of date-times where the second must not come before the first. */
const ORDERED_FIELDS: Partial<Record<TableName, [string, string]>> = {
  deployments: ['deploymentStart', 'deploymentEnd'],
  observations: ['eventStart', 'eventEnd'],
};

const at = (value: CellValue | undefined) => (value as DateTimeValue).ms;
const text_ = (value: CellValue | undefined) => (value === null || value === undefined ? null : String(value));

/** A row of each temporary table, as its columns' values in their order, from a record's checked cells. */
const STAGED_ROW: Record<TableName, (v: Row, line: number) => unknown[]> = {
  deployments: (v, line) => {
    const content = {
      deploymentId: String(v.deploymentID),
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
    return valuesOf(stageDeployments, { ...content, row: line, contentHash: hashOf(content) });
  },
  media: (v, line) => {
    const isPublic = v.filePublic === true;
    return valuesOf(stageMedia, {
      mediaId: String(v.mediaID),
      row: line,
      deploymentId: String(v.deploymentID),
      takenAt: at(v.timestamp),
      isPublic,
      filePath: isPublic ? String(v.filePath) : null,
      mediatype: String(v.fileMediatype),
    });
  },
  observations: (v, line) => {
    const content = {
      observationId: String(v.observationID),
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
    return valuesOf(stageObservations, { ...content, row: line, contentHash: hashOf(content) });
  },
};

/** A short fingerprint of what was imported of a row, without its position in the file. */
function hashOf(content: Record<string, unknown>): string {
  return crypto.hash('sha1', JSON.stringify(content), 'base64url').slice(0, 16);
}

/** A row's values in its table's column order, as the batch insert takes them. */
function valuesOf<T extends SQLiteTable>(table: T, row: T['$inferInsert']): unknown[] {
  return columnKeys.get(table)!.map((key) => (row as Record<string, unknown>)[key]);
}

const columnKeys = new Map<SQLiteTable, string[]>(
  Object.values(STAGES).map((table) => [table, Object.keys(getTableColumns(table))]),
);

/**
 * Staged rows gathered and written ROWS_PER_BATCH at a time: each batch is one JSON array, taken
 * apart by SQLite in one prepared insert, in a transaction of its own. Per-row statements spend
 * more time being filled in than SQLite spends storing the row.
 */
class StagingBatch {
  private rows: unknown[][] = [];
  private readonly insert: ReturnType<ReturnType<typeof insertBatch>>;

  constructor(
    private readonly db: Db,
    table: TableName,
  ) {
    this.insert = prepared(db, INSERT_BATCH[table]);
  }

  add(row: unknown[]): void {
    this.rows.push(row);
  }

  flushFull(): void {
    if (this.rows.length >= ROWS_PER_BATCH) this.flush();
  }

  flush(): void {
    if (this.rows.length === 0) return;
    const rows = JSON.stringify(this.rows);
    this.rows = [];
    transaction(this.db, () => this.insert.run({ rows }));
  }
}

/** `insert into <table> select value->>0, value->>1, … from json_each(:rows)`, the values in column order. */
const insertBatch = (table: SQLiteTable) => (db: Db) => {
  const cells = Object.keys(getTableColumns(table)).map((_, i) => sql.raw(`value->>${i}`));
  return db
    .insert(table)
    .select(sql`select ${sql.join(cells, sql`, `)} from json_each(${sql.placeholder('rows')})`)
    .prepare();
};
const INSERT_BATCH: Record<TableName, ReturnType<typeof insertBatch>> = {
  deployments: insertBatch(stageDeployments),
  media: insertBatch(stageMedia),
  observations: insertBatch(stageObservations),
};

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
    // One pass along the index says whether any ID repeats; only then are the rows that repeat one looked for.
    const repeats = db.get(sql`select 1 from ${stage} group by ${k} having count(*) > 1 limit 1`);
    const duplicates = !repeats
      ? []
      : db.all<{ id: string; row: number }>(
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
