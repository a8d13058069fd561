import { and, gte, inArray, isNull, sql, type AnyColumn } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { emailNotifications, emailOutbox, supporters } from '../db/schema/index.js';
import { countSentByMonth } from './deliverability.queries.js';
import { periodStart } from '../lib/months.js';

export interface EmailMonth {
  period: string;
  /** Handed to the relay (email_sent_counts). */
  sent: number;
  /** Given up without being sent, by when the outbox gave up. */
  failed: number;
  /** Hard and soft bounce notices about an email we sent, by when they occurred. */
  bounced: number;
  /** Supporters who stopped the monthly email that month (by link or by complaint) and have not come back. */
  unsubscribed: number;
}

export interface EmailActivity {
  /** Oldest first, as asked. */
  months: EmailMonth[];
  /** Still unsubscribed with no date: they unsubscribed before unsubscribes were dated. */
  undatedUnsubscribes: number;
}

/** `strftime` of an epoch-ms column: its month, YYYY-MM (UTC). */
const monthOf = (column: AnyColumn) => sql<string>`strftime('%Y-%m', ${column} / 1000, 'unixepoch')`;

/**
 * Each month's emails sent, failed, bounced and unsubscribed, for the months given (oldest first).
 * Each figure reads a kept count or a small index (the unsent emails, the bounce notices, the
 * unsubscribed supporters), never the outbox's sent emails.
 */
export function emailActivity(db: Db, periods: string[]): EmailActivity {
  const from = periodStart(periods[0]!);
  const sent = countSentByMonth(db, periods);
  const failed = db
    .select({ period: monthOf(emailOutbox.updatedAt), n: sql<number>`count(*)` })
    .from(emailOutbox)
    // Written out, not bound: SQLite reads the partial index email_outbox_unsent only for its own condition.
    .where(
      and(sql`${emailOutbox.state} <> 'sent'`, sql`${emailOutbox.state} = 'dead'`, gte(emailOutbox.updatedAt, from)),
    )
    .groupBy(sql`1`)
    .all();
  const bounced = db
    .select({ period: monthOf(emailNotifications.occurredAt), n: sql<number>`count(*)` })
    .from(emailNotifications)
    .where(
      and(
        inArray(emailNotifications.type, ['hard_bounce', 'soft_bounce']),
        gte(emailNotifications.occurredAt, from),
        sql`${emailNotifications.effect} <> 'unmatched'`,
      ),
    )
    .groupBy(sql`1`)
    .all();
  const unsubscribed = db
    .select({ period: monthOf(supporters.unsubscribedAt), n: sql<number>`count(*)` })
    .from(supporters)
    // As the partial index supporters_unsubscribed is written.
    .where(and(sql`is_subscribed = 0`, gte(supporters.unsubscribedAt, from)))
    .groupBy(sql`1`)
    .all();
  const undated = db
    .select({ n: sql<number>`count(*)` })
    .from(supporters)
    .where(and(sql`is_subscribed = 0`, isNull(supporters.unsubscribedAt), isNull(supporters.erasedAt)))
    .get();
  const inMonth = (rows: { period: string | null; n: number }[], period: string) =>
    rows.find((row) => row.period === period)?.n ?? 0;
  return {
    months: periods.map((period) => ({
      period,
      sent: sent.get(period) ?? 0,
      failed: inMonth(failed, period),
      bounced: inMonth(bounced, period),
      unsubscribed: inMonth(unsubscribed, period),
    })),
    undatedUnsubscribes: undated?.n ?? 0,
  };
}
