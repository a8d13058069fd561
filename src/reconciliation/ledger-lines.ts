import { and, asc, eq, gt, inArray } from 'drizzle-orm';
import type Database from 'better-sqlite3';
import type { DbOrTx } from '../db/client.js';
import { ledgerEntries, orders } from '../db/schema.js';
import { csvRow } from '../lib/csv.js';
import { periodOf, periodStart } from '../lib/months.js';
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
export function monthLedgerPage(db: DbOrTx, period: string, query: LedgerPageQuery): LedgerLine[] {
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
  return rows.map((row) => ({ ...row, category: CATEGORY_OF[row.kind], isLate: periodOf(row.occurredAt) < row.period }));
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

/**
 * A month's ledger lines as CSV, in chunks. Each chunk is its own short query (never an open cursor
 * across awaits, which would hold the connection), and SQLite writes each line itself: handing
 * eleven values per row to JavaScript to format would cost four times the CPU. Cells follow
 * csvCell's rules (quoted when needed, formulas defused). It takes the raw SQLite handle.
 */
export function* monthLedgerCsv(sqlite: Database.Database, period: string, chunkRows = 2000): Generator<string> {
  const chunk = sqlite.prepare(LEDGER_CSV_SQL).raw(true);
  const monthStart = periodStart(period);
  yield LEDGER_CSV_HEADER;
  let afterId = 0;
  for (;;) {
    const rows = chunk.all({ period, afterId, monthStart, limit: chunkRows }) as [number, string][];
    let text = '';
    for (const row of rows) text += row[1];
    if (rows.length > 0) yield text;
    if (rows.length < chunkRows) return;
    afterId = rows.at(-1)![0];
  }
}

/** A text column as a CSV cell, in SQL: the same rules as csvCell. */
function csvTextSql(column: string): string {
  const defused = `case when substr(${column}, 1, 1) in ('=', '+', '-', '@', char(9), char(13)) then '''' || ${column} else ${column} end`;
  const needsQuotes = `instr(${column}, '"') or instr(${column}, ',') or instr(${column}, char(10)) or instr(${column}, char(13))`;
  return `case when ${column} is null then '' when ${needsQuotes} then '"' || replace(${defused}, '"', '""') || '"' else ${defused} end`;
}

const isoSql = (column: string) => `strftime('%Y-%m-%dT%H:%M:%fZ', ${column} / 1000.0, 'unixepoch')`;
const categorySql = `case kind ${Object.entries(CATEGORY_OF)
  .map(([kind, category]) => `when '${kind}' then '${category}'`)
  .join(' ')} end`;

const LEDGER_CSV_SQL = `
  select id, id || ',' || period || ',' || ${isoSql('occurred_at')} || ',' || ${isoSql('recorded_at')} || ',' || kind || ',' || ${categorySql} || ','
    || ${csvTextSql('currency')} || ',' || donation_minor || ',' || pairs || ',' || trap_weeks || ',' || coalesce(order_id, '') || ','
    || case when occurred_at < @monthStart then 'true' else 'false' end || ',' || ${csvTextSql('event_id')} || ',' || ${csvTextSql('reason')} || char(13, 10)
  from ledger_entries where period = @period and id > @afterId order by id limit @limit`;

/** The month's summary: one row per currency, the columns DESIGN.md promises first. */
export function monthSummaryCsv(summary: MonthSummary): string {
  let out = csvRow(['currency', 'opening_minor', 'accrued_minor', 'reversed_minor', 'paid_minor', 'closing_minor', 'month', 'status', 'late_entries', 'late_minor']);
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
