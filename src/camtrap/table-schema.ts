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
const patterns = new Map<string, RegExp>();

/** Reads one cell by its field's rules: the value, or the rule it breaks in words a person can act on. */
export function readCell(
  field: FieldSpec,
  raw: string | undefined,
  missingValues: string[],
): { value: CellValue } | { broken: string } {
  const c = field.constraints ?? {};
  if (raw === undefined || missingValues.includes(raw)) {
    return c.required ? { broken: 'is required but missing' } : { value: null };
  }
  const typed = readTyped(field, raw);
  if ('broken' in typed) return typed;
  const value = typed.value;
  if (typeof value === 'number') {
    if (c.minimum !== undefined && value < c.minimum) return { broken: `must be at least ${c.minimum} (got ${raw})` };
    if (c.maximum !== undefined && value > c.maximum) return { broken: `must be at most ${c.maximum} (got ${raw})` };
  }
  if (c.enum && !c.enum.includes(raw)) return { broken: `must be one of ${c.enum.join(', ')} (got "${clip(raw)}")` };
  if (c.pattern && !patternOf(c.pattern).test(raw))
    return { broken: `does not match the standard's pattern ${c.pattern} (got "${clip(raw)}")` };
  return { value };
}

function readTyped(field: FieldSpec, raw: string): { value: CellValue } | { broken: string } {
  switch (field.type) {
    case 'number':
      return NUMBER.test(raw) ? { value: Number(raw) } : { broken: `must be a number (got "${clip(raw)}")` };
    case 'integer':
      return INTEGER.test(raw) && Number.isSafeInteger(Number(raw))
        ? { value: Number(raw) }
        : { broken: `must be a whole number (got "${clip(raw)}")` };
    case 'boolean':
      if (TRUE_VALUES.has(raw)) return { value: true };
      return FALSE_VALUES.has(raw) ? { value: false } : { broken: `must be true or false (got "${clip(raw)}")` };
    case 'datetime': {
      const value = readDateTime(raw);
      return value
        ? { value }
        : { broken: `must be a date-time with its offset, like 2027-03-01T09:00:00+10:00 (got "${clip(raw)}")` };
    }
    default:
      return { value: raw };
  }
}

/** "2027-03-01T09:00:00+10:00" → the instant and its offset; null for anything else, a missing offset included. */
export function readDateTime(raw: string): DateTimeValue | null {
  const m = DATETIME.exec(raw);
  if (!m) return null;
  const [, y, mo, d, h, mi, s, fraction, zone] = m;
  const fields = [y, mo, d, h, mi, s].map(Number) as [number, number, number, number, number, number];
  const local = Date.UTC(fields[0], fields[1] - 1, fields[2], fields[3], fields[4], fields[5]);
  const check = new Date(local);
  if (
    check.getUTCMonth() !== fields[1] - 1 ||
    check.getUTCDate() !== fields[2] ||
    fields[3] > 23 ||
    fields[4] > 59 ||
    fields[5] > 59
  )
    return null;
  const offsetMinutes = zone === 'Z' ? 0 : offsetOf(zone!);
  if (Math.abs(offsetMinutes) > 14 * 60) return null;
  const milliseconds = fraction ? Math.floor(Number(`0${fraction}`) * 1000) : 0;
  return { ms: local + milliseconds - offsetMinutes * 60_000, offsetMinutes };
}

function offsetOf(zone: string): number {
  const digits = zone.replace(':', '');
  const minutes = Number(digits.slice(1, 3)) * 60 + Number(digits.slice(3, 5));
  return zone.startsWith('-') ? -minutes : minutes;
}

function patternOf(source: string): RegExp {
  let pattern = patterns.get(source);
  if (!pattern) patterns.set(source, (pattern = new RegExp(source, 'u')));
  return pattern;
}

/** A cell as quoted in a problem report: short enough to read. */
function clip(raw: string): string {
  return raw.length > 60 ? `${raw.slice(0, 57)}…` : raw;
}
