import fs from 'node:fs';
import { projectPath } from '../lib/project-root.js';

/**
 * The Camtrap DP 1.0 table schemas, read from the standard's own files (src/camtrap/standard/),
 * and the rules they state for a cell: missing values, types, formats and constraints. Uniqueness
 * and foreign keys span rows and are checked once a whole package is read (import-package.ts).
 */
export const TABLES = ['deployments', 'media', 'observations'] as const;
export type TableName = (typeof TABLES)[number];

export interface FieldSpec {
  name: string;
  type: 'string' | 'number' | 'integer' | 'boolean' | 'datetime' | 'any';
  format?: string;
  constraints?: {
    required?: boolean;
    unique?: boolean;
    minimum?: number;
    maximum?: number;
    enum?: string[];
    pattern?: string;
  };
}

export interface TableSchema {
  fields: FieldSpec[];
  missingValues: string[];
  primaryKey: string;
  foreignKeys: { fields: string; reference: { resource: TableName; fields: string } }[];
}

/** A datetime as an instant, with the offset it was written in (the camera's own clock). */
export interface DateTimeValue {
  ms: number;
  offsetMinutes: number;
}

export type CellValue = string | number | boolean | DateTimeValue | null;

export const TABLE_SCHEMAS: Record<TableName, TableSchema> = Object.fromEntries(
  TABLES.map((table) => [table, readSchema(table)]),
) as Record<TableName, TableSchema>;

function readSchema(table: TableName): TableSchema {
  const schema = JSON.parse(
    fs.readFileSync(projectPath('src', 'camtrap', 'standard', `${table}-table-schema.json`), 'utf8'),
  ) as {
    fields: FieldSpec[];
    missingValues?: string[];
    primaryKey: string;
    foreignKeys?: TableSchema['foreignKeys'];
  };
  return {
    fields: schema.fields,
    missingValues: schema.missingValues ?? [''],
    primaryKey: schema.primaryKey,
    foreignKeys: schema.foreignKeys ?? [],
  };
}

// Each pattern is anchored, with no nested or overlapping repetition: linear in the cell's length.
const NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const INTEGER = /^[+-]?\d+$/;
/** ISO 8601 with seconds and an offset, as the standard's `%Y-%m-%dT%H:%M:%S%z` asks. */
const DATETIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(Z|[+-]\d{2}:?\d{2})$/;
const TRUE_VALUES = new Set(['true', 'True', 'TRUE', '1']);
const FALSE_VALUES = new Set(['false', 'False', 'FALSE', '0']);

/** A cell that breaks one of its field's rules, in words a person can act on. */
export class BrokenCell {
  constructor(readonly rule: string) {}
}

/** Reads one cell of a field: its value, or the rule it breaks. */
export type CellReader = (raw: string | undefined) => CellValue | BrokenCell;

const IS_MISSING = new BrokenCell('is required but missing');

/**
 * A field's rules made into a reader once, to read every cell of its column: missing values, then
 * the type, then the constraints, the first broken rule named.
 */
export function cellReader(field: FieldSpec, missingValues: readonly string[]): CellReader {
  const missing = new Set(missingValues);
  const isRequired = field.constraints?.required === true;
  const typed = typedReader(field);
  const checks = constraintChecks(field);
  return (raw) => {
    if (raw === undefined || missing.has(raw)) return isRequired ? IS_MISSING : null;
    const value = typed(raw);
    if (value instanceof BrokenCell) return value;
    for (const check of checks) {
      const broken = check(value, raw);
      if (broken !== null) return new BrokenCell(broken);
    }
    return value;
  };
}

type TypedReader = (raw: string) => CellValue | BrokenCell;

function typedReader(field: FieldSpec): TypedReader {
  switch (field.type) {
    case 'number':
      return (raw) => (NUMBER.test(raw) ? Number(raw) : new BrokenCell(`must be a number (got "${clip(raw)}")`));
    case 'integer':
      return (raw) =>
        INTEGER.test(raw) && Number.isSafeInteger(Number(raw))
          ? Number(raw)
          : new BrokenCell(`must be a whole number (got "${clip(raw)}")`);
    case 'boolean':
      return (raw) =>
        TRUE_VALUES.has(raw)
          ? true
          : FALSE_VALUES.has(raw)
            ? false
            : new BrokenCell(`must be true or false (got "${clip(raw)}")`);
    case 'datetime':
      return (raw) =>
        readDateTime(raw) ??
        new BrokenCell(`must be a date-time with its offset, like 2027-03-01T09:00:00+10:00 (got "${clip(raw)}")`);
    default:
      return (raw) => raw;
  }
}

type Check = (value: CellValue, raw: string) => string | null;

/** The constraints a typed value must meet, in the order they are checked. */
function constraintChecks(field: FieldSpec): Check[] {
  const { minimum, maximum, enum: allowed, pattern } = field.constraints ?? {};
  const checks: Check[] = [];
  if (minimum !== undefined)
    checks.push((value, raw) =>
      typeof value === 'number' && value < minimum ? `must be at least ${minimum} (got ${raw})` : null,
    );
  if (maximum !== undefined)
    checks.push((value, raw) =>
      typeof value === 'number' && value > maximum ? `must be at most ${maximum} (got ${raw})` : null,
    );
  if (allowed) {
    const values = new Set(allowed);
    checks.push((_, raw) => (values.has(raw) ? null : `must be one of ${allowed.join(', ')} (got "${clip(raw)}")`));
  }
  if (pattern) {
    const regex = new RegExp(pattern, 'u');
    checks.push((_, raw) =>
      regex.test(raw) ? null : `does not match the standard's pattern ${pattern} (got "${clip(raw)}")`,
    );
  }
  return checks;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const OFFSETS_REMEMBERED = 64;
const offsets = new Map<string, number | null>();

/** "2027-03-01T09:00:00+10:00" → the instant and its offset; null for anything else, a missing offset included. */
export function readDateTime(raw: string): DateTimeValue | null {
  const m = DATETIME.exec(raw);
  if (!m) return null;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  const hour = Number(m[4]);
  const minute = Number(m[5]);
  const second = Number(m[6]);
  const isLeap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const daysInMonth = month === 2 && isLeap ? 29 : DAYS_IN_MONTH[month - 1];
  if (daysInMonth === undefined || day < 1 || day > daysInMonth || hour > 23 || minute > 59 || second > 59) return null;
  const offsetMinutes = offsetOf(m[8]!);
  if (offsetMinutes === null) return null;
  const milliseconds = m[7] ? Math.floor(Number(`0${m[7]}`) * 1000) : 0;
  const local = Date.UTC(year, month - 1, day, hour, minute, second);
  return { ms: local + milliseconds - offsetMinutes * 60_000, offsetMinutes };
}

/**
 * "+10:00", "-0230" or "Z" in minutes east of UTC; null beyond ±14 hours. A package uses one or two
 * offsets over millions of cells, so the first few are remembered.
 */
function offsetOf(zone: string): number | null {
  const known = offsets.get(zone);
  if (known !== undefined) return known;
  const digits = zone.replace(':', '');
  const east = zone === 'Z' ? 0 : Number(digits.slice(1, 3)) * 60 + Number(digits.slice(3, 5));
  const minutes = Math.abs(east) > 14 * 60 ? null : zone.startsWith('-') ? -east : east;
  if (offsets.size < OFFSETS_REMEMBERED) offsets.set(zone, minutes);
  return minutes;
}

/** A cell as quoted in a problem report: short enough to read. */
function clip(raw: string): string {
  return raw.length > 60 ? `${raw.slice(0, 57)}…` : raw;
}
