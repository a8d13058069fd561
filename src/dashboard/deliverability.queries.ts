import { and, desc, eq, gte, inArray, lt, ne, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { emailNotifications, emailSentCounts } from '../db/schema/index.js';
import type { EmailNotification } from '../email/feedback/email-notifications.queries.js';
import { periodEnd, periodStart } from '../lib/months.js';
import { listMonthlyRuns } from './emails.queries.js';

/**
 * Bounce and complaint rates as mail providers judge a sender: Amazon SES reviews an account above
 * a 5% bounce rate or a 0.1% complaint rate (Gmail asks senders to stay under 0.3% spam).
 */
export const BOUNCE_RATE_LIMIT = 0.05;
export const COMPLAINT_RATE_LIMIT = 0.001;

export interface FeedbackCounts {
  sent: number;
  hardBounces: number;
  softBounces: number;
  complaints: number;
  deliveries: number;
}

export interface MonthRates extends FeedbackCounts {
  period: string;
}

export interface SendRates extends FeedbackCounts {
  /** `monthly:YYYY-MM`, `receipt:YYYY-MM`, `impact_link:YYYY-MM`. */
  sendKey: string;
}

const empty = (): Omit<FeedbackCounts, 'sent'> => ({ hardBounces: 0, softBounces: 0, complaints: 0, deliveries: 0 });
const FIELD = {
  hard_bounce: 'hardBounces',
  soft_bounce: 'softBounces',
  complaint: 'complaints',
  delivery: 'deliveries',
} as const;

/**
 * Each month's notices about our mail (by when they occurred; unmatched ones left out) against the
 * emails sent that month, newest first. Sends are counted as they happen (email_sent_counts).
 */
export function listMonthRates(db: Db, periods: string[]): MonthRates[] {
  if (periods.length === 0) return [];
  const sent = countSentByMonth(db, periods);
  return periods.map((period) => {
    const counts = countNotices(db, periodStart(period), periodEnd(period));
    return { period, sent: sent.get(period) ?? 0, ...counts };
  });
}

/** Emails handed to the relay in each of these months, every kind together, from the kept counts. */
export function countSentByMonth(db: Db, periods: string[]): Map<string, number> {
  const rows = db
    .select({ period: emailSentCounts.period, n: sql<number>`sum(${emailSentCounts.sent})` })
    .from(emailSentCounts)
    .where(inArray(emailSentCounts.period, periods))
    .groupBy(emailSentCounts.period)
    .all();
  return new Map(rows.map((row) => [row.period, row.n]));
}

function countNotices(db: Db, from: number, to: number): Omit<FeedbackCounts, 'sent'> {
  const rows = db
    .select({ type: emailNotifications.type, n: sql<number>`count(*)` })
    .from(emailNotifications)
    .where(
      and(
        gte(emailNotifications.occurredAt, from),
        lt(emailNotifications.occurredAt, to),
        ne(emailNotifications.effect, 'unmatched'),
      ),
    )
    .groupBy(emailNotifications.type)
    .all();
  const counts = empty();
  for (const row of rows) counts[FIELD[row.type]] = row.n;
  return counts;
}

/** Rates per send: each monthly run, and receipts and link emails per month sent; newest first. */
export function listSendRates(db: Db): SendRates[] {
  const rows = db
    .select({ sendKey: emailNotifications.sendKey, type: emailNotifications.type, n: sql<number>`count(*)` })
    .from(emailNotifications)
    .where(sql`${emailNotifications.sendKey} is not null`)
    .groupBy(emailNotifications.sendKey, emailNotifications.type)
    .all();
  const bySend = new Map<string, SendRates>();
  const sendOf = (sendKey: string) => {
    let send = bySend.get(sendKey);
    if (!send) bySend.set(sendKey, (send = { sendKey, sent: 0, ...empty() }));
    return send;
  };
  for (const run of listMonthlyRuns(db)) sendOf(`monthly:${run.period}`).sent = run.counts.sent;
  for (const row of db.select().from(emailSentCounts).where(ne(emailSentCounts.kind, 'monthly')).all())
    sendOf(`${row.kind}:${row.period}`).sent = row.sent;
  for (const row of rows) sendOf(row.sendKey!)[FIELD[row.type]] = row.n;
  return [...bySend.values()].sort(
    (a, b) => sendPeriod(b).localeCompare(sendPeriod(a)) || a.sendKey.localeCompare(b.sendKey),
  );
}

const sendPeriod = (s: SendRates) => s.sendKey.slice(s.sendKey.indexOf(':') + 1);

/** The latest notices, newest first; `kind` narrows them to complaints or to those about no email we sent. */
export function listRecentNotifications(
  db: Db,
  opts: { kind?: 'complaints' | 'unmatched'; limit: number },
): EmailNotification[] {
  const where =
    opts.kind === 'complaints'
      ? eq(emailNotifications.type, 'complaint')
      : opts.kind === 'unmatched'
        ? eq(emailNotifications.effect, 'unmatched')
        : undefined;
  return db
    .select()
    .from(emailNotifications)
    .where(where)
    .orderBy(desc(emailNotifications.receivedAt), desc(emailNotifications.id))
    .limit(opts.limit)
    .all();
}

export function bounceRate(c: FeedbackCounts): number {
  return c.sent > 0 ? c.hardBounces / c.sent : 0;
}

export function complaintRate(c: FeedbackCounts): number {
  return c.sent > 0 ? c.complaints / c.sent : 0;
}

export function isOverLimits(c: FeedbackCounts): boolean {
  return bounceRate(c) > BOUNCE_RATE_LIMIT || complaintRate(c) > COMPLAINT_RATE_LIMIT;
}
