import { and, desc, eq, gte, lt, sql } from 'drizzle-orm';
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

/** Messages newest first, a page at a time. */
export function listOutbox(db: Db, opts: { state?: OutboxState; beforeId?: number; limit: number }): OutboxListRow[] {
  return db
    .select(LIST_COLUMNS)
    .from(emailOutbox)
    .where(
      and(
        opts.state ? eq(emailOutbox.state, opts.state) : undefined,
        opts.beforeId ? lt(emailOutbox.id, opts.beforeId) : undefined,
      ),
    )
    .orderBy(desc(emailOutbox.id))
    .limit(opts.limit)
    .all();
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
