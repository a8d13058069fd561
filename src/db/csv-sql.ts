import { sql, type AnyColumn, type SQL } from 'drizzle-orm';

/**
 * CSV lines written by SQLite itself, for exports of many rows: handing each row's values to
 * JavaScript to format would cost several times the CPU. The cells follow csvCell's rules
 * (src/lib/csv.ts): quoted when needed, and formulas defused with a leading apostrophe.
 */

/** A text column as a CSV cell. */
export function csvTextSql(column: AnyColumn | SQL): SQL {
  const defused = sql`case when substr(${column}, 1, 1) in ('=', '+', '-', '@', char(9), char(13))
    then '''' || ${column} else ${column} end`;
  const needsQuotes = sql`instr(${column}, '"') or instr(${column}, ',')
    or instr(${column}, char(10)) or instr(${column}, char(13))`;
  return sql`case when ${column} is null then ''
    when ${needsQuotes} then '"' || replace(${defused}, '"', '""') || '"'
    else ${defused} end`;
}

/** A time in epoch milliseconds as an ISO 8601 cell ('' when null). */
export function isoSql(column: AnyColumn | SQL): SQL {
  return sql`coalesce(strftime('%Y-%m-%dT%H:%M:%fZ', ${column} / 1000.0, 'unixepoch'), '')`;
}

/** A number or boolean column as a cell ('' when null). */
export function numberSql(column: AnyColumn | SQL): SQL {
  return sql`coalesce(${column}, '')`;
}

/** The cells joined into one CSV line, CRLF included. */
export function csvLineSql(cells: SQL[]): SQL<string> {
  return sql<string>`${sql.join(cells, sql` || ',' || `)} || char(13, 10)`;
}
