import { and, eq, gte, isNotNull, lt, sql, type SQL } from 'drizzle-orm';
import { csvLineSql, csvTextSql, isoSql } from '../db/csv-sql.js';
import {
  checkedOnly,
  countUpToCap,
  keysetCsv,
  keysetSelect,
  readPage,
  type Cursor,
  type Direction,
  type KeysetPage,
  type KeysetSort,
  type PageStart,
} from '../db/keyset.js';
import { csvRow } from '../lib/csv.js';
import type { Db } from '../db/client.js';
import { emailOutbox } from '../db/schema/index.js';
import type { OutboxMessage, OutboxState } from '../email/outbox.queries.js';

/** The staff console's read-only view of the email outbox (which src/email owns and writes). */

export const OUTBOX_STATES: OutboxState[] = ['queued', 'sending', 'sent', 'failed', 'dead'];

export interface MonthlyRunRow {
  period: string;
  counts: Record<OutboxState, number>;
  total: number;
}

/** Each monthly run's messages by state, newest month first. Keys look like `monthly:YYYY-MM:<supporter>`. */
export function listMonthlyRuns(db: Db): MonthlyRunRow[] {
  const rows = db
    .select({
      period: sql<string>`substr(${emailOutbox.idempotencyKey}, 9, 7)`,
      state: emailOutbox.state,
      n: sql<number>`count(*)`,
    })
    .from(emailOutbox)
    // A range on the unique key's index: only the monthly messages are read.
    .where(and(gte(emailOutbox.idempotencyKey, 'monthly:'), lt(emailOutbox.idempotencyKey, 'monthly;')))
    .groupBy(sql`1`, emailOutbox.state)
    .all();
  const byPeriod = new Map<string, MonthlyRunRow>();
  for (const row of rows) {
    let run = byPeriod.get(row.period);
    if (!run)
      byPeriod.set(
        row.period,
        (run = { period: row.period, counts: { queued: 0, sending: 0, sent: 0, failed: 0, dead: 0 }, total: 0 }),
      );
    run.counts[row.state] += row.n;
    run.total += row.n;
  }
  return [...byPeriod.values()].sort((a, b) => b.period.localeCompare(a.period));
}

export type OutboxListRow = Omit<OutboxMessage, 'textBody' | 'htmlBody' | 'headers'>;

/** Everything but the bodies, which only the message's own page needs. */
const LIST_COLUMNS = {
  id: emailOutbox.id,
  kind: emailOutbox.kind,
  idempotencyKey: emailOutbox.idempotencyKey,
  supporterId: emailOutbox.supporterId,
  recipient: emailOutbox.recipient,
  recipientName: emailOutbox.recipientName,
  subject: emailOutbox.subject,
  messageId: emailOutbox.messageId,
  state: emailOutbox.state,
  attempts: emailOutbox.attempts,
  unknownOutcomes: emailOutbox.unknownOutcomes,
  nextAttemptAt: emailOutbox.nextAttemptAt,
  lastError: emailOutbox.lastError,
  createdAt: emailOutbox.createdAt,
  updatedAt: emailOutbox.updatedAt,
  sentAt: emailOutbox.sentAt,
  bodyPrunedAt: emailOutbox.bodyPrunedAt,
  feedback: emailOutbox.feedback,
  feedbackAt: emailOutbox.feedbackAt,
};

/** The sorts the outbox list offers (migration 0022): queued order (the id), sent time (the sent), due time (the unsent). */
export const OUTBOX_SORTS = ['queued', 'sent', 'due'] as const;
export type OutboxSort = (typeof OUTBOX_SORTS)[number];
export const OUTBOX_KINDS = ['receipt', 'monthly', 'impact_link'] as const;

export interface OutboxSearch {
  state?: OutboxState;
  kind?: OutboxListRow['kind'];
  /** One recipient's address, exactly: their emails are few, read through their own index. */
  recipient?: string;
  sort: OutboxSort;
  direction: Direction;
}

/** A page of the outbox in the search's sort. */
export function listOutbox(db: Db, search: OutboxSearch, start: PageStart, limit: number): KeysetPage<OutboxListRow> {
  const query = outboxPageQuery(db, search);
  return readPage(query.sort, start, limit, (where, orderBy, n) => query.build(where, orderBy, n).all());
}

/** The list's query, unrun (its plans are checked in tests). */
export function outboxPageQuery(db: Db, search: OutboxSearch) {
  const build = keysetSelect(() => db.select(LIST_COLUMNS).from(emailOutbox).$dynamic(), outboxFilter(search));
  return { sort: outboxSort(search), build };
}

export function outboxCursor(search: Pick<OutboxSearch, 'sort'>, row: OutboxListRow): Cursor {
  const value = search.sort === 'queued' ? row.id : search.sort === 'sent' ? row.sentAt! : row.nextAttemptAt;
  return { value, id: row.id };
}

export const OUTBOX_CSV_HEADER = csvRow([
  'email_id',
  'kind',
  'recipient',
  'subject',
  'state',
  'attempts',
  'queued_at',
  'sent_at',
  'next_attempt_at',
  'feedback',
  'last_error',
]);

/** Every email the search matches (all pages), in its sort, as CSV; the bodies stay out. */
export function outboxCsv(db: Db, search: OutboxSearch): Generator<string> {
  const m = emailOutbox;
  const sort = outboxSort(search);
  const line = csvLineSql([
    sql`${m.id}`,
    sql`${m.kind}`,
    csvTextSql(m.recipient),
    csvTextSql(m.subject),
    sql`${m.state}`,
    sql`${m.attempts}`,
    isoSql(m.createdAt),
    isoSql(m.sentAt),
    isoSql(sql`case when ${m.state} <> 'sent' then ${m.nextAttemptAt} end`),
    csvTextSql(m.feedback),
    csvTextSql(m.lastError),
  ]);
  const read = keysetSelect(
    () =>
      db
        .select({ value: sql<number>`${sort.column}`, id: m.id, line })
        .from(m)
        .$dynamic(),
    outboxFilter(search),
  );
  return keysetCsv(OUTBOX_CSV_HEADER, sort, (where, orderBy, limit) => read(where, orderBy, limit).all());
}

const SORT_COLUMNS = { queued: emailOutbox.id, sent: emailOutbox.sentAt, due: emailOutbox.nextAttemptAt };

function outboxSort(search: OutboxSearch): KeysetSort {
  return {
    column: SORT_COLUMNS[search.sort],
    id: emailOutbox.id,
    direction: search.direction,
    isFilterNarrow: search.recipient !== undefined,
  };
}

function outboxFilter(search: OutboxSearch): SQL | undefined {
  return and(
    // Every email with a sent time is sent, and the unsent are few: the sent and due sorts read
    // their own index and check the state or kind on its rows, never sorting all a state's or kind's.
    search.state ? (search.sort === 'sent' ? checkedOnly : eq)(emailOutbox.state, search.state) : undefined,
    search.kind ? (search.sort === 'due' ? checkedOnly : eq)(emailOutbox.kind, search.kind) : undefined,
    search.recipient ? eq(emailOutbox.recipient, search.recipient) : undefined,
    // Only sent emails have a sent time; only unsent ones are due (the partial indexes' condition).
    search.sort === 'sent' ? isNotNull(emailOutbox.sentAt) : undefined,
    search.sort === 'due' ? sql`${emailOutbox.state} <> 'sent'` : undefined,
  );
}

/** Emails by state, each count stopping at COUNT_CAP: the list's figures, cheap at any size. */
export function countOutboxByStateUpToCap(db: Db): Record<OutboxState, number> {
  return Object.fromEntries(
    OUTBOX_STATES.map((state) => [state, countUpToCap(db, emailOutbox, eq(emailOutbox.state, state))]),
  ) as Record<OutboxState, number>;
}

export function findOutboxMessage(db: Db, id: number): OutboxMessage | undefined {
  return db.select().from(emailOutbox).where(eq(emailOutbox.id, id)).get();
}

/** The emails about one order: its receipt (keyed by the checkout session). */
export function emailsAboutOrder(db: Db, checkoutSessionId: string): OutboxListRow[] {
  return db
    .select(LIST_COLUMNS)
    .from(emailOutbox)
    .where(eq(emailOutbox.idempotencyKey, `receipt:${checkoutSessionId}`))
    .all();
}
