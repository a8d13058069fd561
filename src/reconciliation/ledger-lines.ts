import { and, asc, eq, gt, inArray, sql, type AnyColumn, type SQL } from 'drizzle-orm';
import { prepared, type Db } from '../db/client.js';
import { ledgerEntries, orders } from '../db/schema/index.js';
import { csvRow } from '../lib/csv.js';
import type { LedgerKind } from '../ledger/ledger.queries.js';
import { CATEGORY_OF, KINDS_IN, type Category } from './balances.js';
import type { MonthSummary } from './months.queries.js';

export interface LedgerLine {
  id: number;
  period: string;
  occurredAt: number;
  recordedAt: number;
  kind: LedgerKind;
  category: Category;
  currency: string;
  donationMinor: number;
  pairs: number;
  trapWeeks: number;
  orderId: number | null;
  checkoutSessionId: string | null;
  eventId: string | null;
  reason: string;
  /** Booked here because the month it occurred in had closed. */
  isLate: boolean;
}

export interface LedgerPageQuery {
  afterId?: number;
  limit: number;
  currency?: string;
  category?: Category;
}

/** A month's entries in the order they were booked, a page at a time (keyset on id, so deep pages stay cheap). */
export function monthLedgerPage(db: Db, period: string, query: LedgerPageQuery): LedgerLine[] {
  const rows = db
    .select({
      id: ledgerEntries.id,
      period: ledgerEntries.period,
      occurredAt: ledgerEntries.occurredAt,
      recordedAt: ledgerEntries.recordedAt,
      kind: ledgerEntries.kind,
      currency: ledgerEntries.currency,
      donationMinor: ledgerEntries.donationMinor,
      pairs: ledgerEntries.pairs,
      trapWeeks: ledgerEntries.trapWeeks,
      orderId: ledgerEntries.orderId,
      checkoutSessionId: orders.checkoutSessionId,
      eventId: ledgerEntries.eventId,
      reason: ledgerEntries.reason,
      isLate: ledgerEntries.isLate,
    })
    .from(ledgerEntries)
    .leftJoin(orders, eq(orders.id, ledgerEntries.orderId))
    .where(
      and(
        eq(ledgerEntries.period, period),
        query.afterId ? gt(ledgerEntries.id, query.afterId) : undefined,
        query.currency ? eq(ledgerEntries.currency, query.currency) : undefined,
        query.category ? inArray(ledgerEntries.kind, KINDS_IN[query.category]) : undefined,
      ),
    )
    .orderBy(asc(ledgerEntries.id))
    .limit(query.limit)
    .all();
  return rows.map((row) => ({ ...row, category: CATEGORY_OF[row.kind] }));
}

export const LEDGER_CSV_HEADER = csvRow([
  'entry_id',
  'month',
  'occurred_at',
  'recorded_at',
  'kind',
  'category',
  'currency',
  'donation_minor',
  'pairs',
  'trap_weeks',
  'order_id',
  'is_late',
  'event_id',
  'reason',
]);

/** Lines per query: a few milliseconds of SQLite's time, then the event loop's turn. */
const CSV_CHUNK_ROWS = 2000;

/**
 * A month's ledger lines as CSV, in chunks. Each chunk is its own short query (never an open cursor
 * across awaits, which would hold the connection), and SQLite writes each line itself: handing
 * eleven values per row to JavaScript to format would cost four times the CPU. Cells follow
 * csvCell's rules (quoted when needed, formulas defused).
 */
export function* monthLedgerCsv(db: Db, period: string): Generator<string> {
  const chunk = prepared(db, csvChunk);
  yield LEDGER_CSV_HEADER;
  let afterId = 0;
  for (;;) {
    const rows = chunk.all({ period, afterId, limit: CSV_CHUNK_ROWS });
    let text = '';
    for (const row of rows) text += row.line;
    if (rows.length > 0) yield text;
    if (rows.length < CSV_CHUNK_ROWS) return;
    afterId = rows.at(-1)!.id;
  }
}

/** A text column as a CSV cell, in SQL: the same rules as csvCell. */
function csvText(column: AnyColumn): SQL {
  const defused = sql`case when substr(${column}, 1, 1) in ('=', '+', '-', '@', char(9), char(13))
    then '''' || ${column} else ${column} end`;
  const needsQuotes = sql`instr(${column}, '"') or instr(${column}, ',')
    or instr(${column}, char(10)) or instr(${column}, char(13))`;
  return sql`case when ${column} is null then ''
    when ${needsQuotes} then '"' || replace(${defused}, '"', '""') || '"'
    else ${defused} end`;
}

const iso = (column: AnyColumn) => sql`strftime('%Y-%m-%dT%H:%M:%fZ', ${column} / 1000.0, 'unixepoch')`;
const category = sql`case ${ledgerEntries.kind} ${sql.join(
  Object.entries(CATEGORY_OF).map(([kind, name]) => sql`when ${kind} then ${name}`),
  sql` `,
)} end`;

const csvChunk = (db: Db) => {
  const e = ledgerEntries;
  const cells = [
    sql`${e.id}`,
    sql`${e.period}`,
    iso(e.occurredAt),
    iso(e.recordedAt),
    sql`${e.kind}`,
    category,
    csvText(e.currency),
    sql`${e.donationMinor}`,
    sql`${e.pairs}`,
    sql`${e.trapWeeks}`,
    sql`coalesce(${e.orderId}, '')`,
    sql`case when ${e.isLate} then 'true' else 'false' end`,
    csvText(e.eventId),
    csvText(e.reason),
  ];
  return db
    .select({ id: e.id, line: sql<string>`${sql.join(cells, sql` || ',' || `)} || char(13, 10)` })
    .from(e)
    .where(and(eq(e.period, sql.placeholder('period')), gt(e.id, sql.placeholder('afterId'))))
    .orderBy(asc(e.id))
    .limit(sql.placeholder('limit'))
    .prepare();
};

/** The month's summary: one row per currency, the columns docs/domain.md promises first. */
export function monthSummaryCsv(summary: MonthSummary): string {
  let out = csvRow([
    'currency',
    'opening_minor',
    'accrued_minor',
    'reversed_minor',
    'paid_minor',
    'closing_minor',
    'month',
    'status',
    'late_entries',
    'late_minor',
  ]);
  for (const b of summary.balances) {
    const late = summary.late.find((l) => l.currency === b.currency);
    out += csvRow([
      b.currency,
      b.openingMinor,
      b.accruedMinor,
      b.reversedMinor,
      b.paidMinor,
      b.closingMinor,
      summary.period,
      summary.isClosed ? 'closed' : 'open',
      late?.entries ?? 0,
      late?.donationMinor ?? 0,
    ]);
  }
  return out;
}
