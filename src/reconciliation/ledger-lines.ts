import { and, asc, eq, gt, inArray, sql } from 'drizzle-orm';
import { prepared, type Db } from '../db/client.js';
import { csvLineSql, csvTextSql, isoSql, numberSql } from '../db/csv-sql.js';
import { csvChunks } from '../db/keyset.js';
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

/**
 * A month's ledger lines as CSV, in chunks (csvChunks), each line written by SQLite (csvLineSql):
 * cells follow csvCell's rules (quoted when needed, formulas defused).
 */
export function monthLedgerCsv(db: Db, period: string): Generator<string> {
  const chunk = prepared(db, csvChunk);
  return csvChunks(LEDGER_CSV_HEADER, (after, limit) =>
    chunk.all({ period, afterId: after?.id ?? 0, limit }).map((row) => ({ value: row.id, ...row })),
  );
}

const category = sql`case ${ledgerEntries.kind} ${sql.join(
  Object.entries(CATEGORY_OF).map(([kind, name]) => sql`when ${kind} then ${name}`),
  sql` `,
)} end`;

const csvChunk = (db: Db) => {
  const e = ledgerEntries;
  const cells = [
    sql`${e.id}`,
    sql`${e.period}`,
    isoSql(e.occurredAt),
    isoSql(e.recordedAt),
    sql`${e.kind}`,
    category,
    csvTextSql(e.currency),
    sql`${e.donationMinor}`,
    sql`${e.pairs}`,
    sql`${e.trapWeeks}`,
    numberSql(e.orderId),
    sql`case when ${e.isLate} then 'true' else 'false' end`,
    csvTextSql(e.eventId),
    csvTextSql(e.reason),
  ];
  return db
    .select({ id: e.id, line: csvLineSql(cells) })
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
