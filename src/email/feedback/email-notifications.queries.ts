import { and, asc, desc, eq, gte, inArray, lt, lte, sql } from 'drizzle-orm';
import { param, prepared, type Db } from '../../db/client.js';
import { emailNotifications, emailOutbox, orders, supporters } from '../../db/schema/index.js';
import type { FeedbackNotice } from './feedback-notice.js';

export type EmailNotification = typeof emailNotifications.$inferSelect;
export type NotificationEffect = EmailNotification['effect'];

export interface SentMessage {
  id: number;
  kind: (typeof emailOutbox.$inferSelect)['kind'];
  idempotencyKey: string;
  messageId: string;
  sentAt: number | null;
  updatedAt: number;
}

/** A notice about a message we cannot find by its Message-ID is matched to the address's last email sent before it, give or take this. */
const CLOCK_SKEW_MS = 10 * 60_000;

/** Inserts the notice unless the provider sent it before; its row id when new. */
export function insertNotificationIfNew(
  tx: Db,
  notice: FeedbackNotice,
  match: { outboxId: number | null; supporterId: number | null; sendKey: string | null },
  effect: NotificationEffect,
  now: number,
): number | undefined {
  return prepared(tx, insertNotification).get({
    provider: notice.provider,
    providerId: notice.providerId,
    recipient: notice.recipient,
    type: notice.type,
    messageId: notice.messageId,
    ...match,
    occurredAt: notice.occurredAt,
    receivedAt: now,
    detail: notice.detail,
    effect,
  })?.id;
}

const insertNotification = (db: Db) =>
  db
    .insert(emailNotifications)
    .values({
      provider: sql.placeholder('provider'),
      providerId: sql.placeholder('providerId'),
      recipient: sql.placeholder('recipient'),
      type: sql.placeholder('type'),
      messageId: sql.placeholder('messageId'),
      outboxId: sql.placeholder('outboxId'),
      supporterId: sql.placeholder('supporterId'),
      sendKey: sql.placeholder('sendKey'),
      occurredAt: sql.placeholder('occurredAt'),
      receivedAt: sql.placeholder('receivedAt'),
      detail: sql.placeholder('detail'),
      effect: sql.placeholder('effect'),
    })
    .onConflictDoNothing()
    .returning({ id: emailNotifications.id })
    .prepare();

/**
 * The email a notice is about, among the supporter's own, found through the outbox's unique key
 * index as their console page finds them (so the outbox needs no index on Message-ID, which would
 * slow bulk queueing): their receipts by their orders' sessions, their monthly emails by the months
 * the outbox holds (`monthlyPeriods`, read once per batch), their link emails by key range. The one
 * with the notice's Message-ID; or, when the provider dropped it, the last one sent to them at or
 * before the original message's time (or the notice's). One prepared statement: this runs for every
 * notice a provider posts.
 */
export function findSentMessage(
  db: Db,
  supporterId: number,
  monthlyPeriods: string[],
  messageId: string | null,
  near: number,
): SentMessage | undefined {
  const rows = prepared(db, emailsOf).all({
    supporterId,
    periods: JSON.stringify(monthlyPeriods),
    from: `link:${supporterId}:`,
    to: `link:${supporterId};`,
  });
  // A Message-ID that is none of theirs names a message we never sent them: unmatched, not guessed.
  return messageId ? rows.find((row) => row.messageId === messageId) : latestSentBefore(rows, near);
}

function latestSentBefore(rows: SentRow[], near: number): SentRow | undefined {
  let best: SentRow | undefined;
  let bestAt = -Infinity;
  for (const row of rows) {
    // A message still marked `sending` may have gone a moment ago: the outbox records sends every 25 ms.
    const at = row.sentAt ?? (row.state === 'sending' ? row.updatedAt : null);
    if (at === null || at > near + CLOCK_SKEW_MS || at <= bestAt) continue;
    best = row;
    bestAt = at;
  }
  return best;
}

const SENT_COLUMNS = {
  id: emailOutbox.id,
  kind: emailOutbox.kind,
  idempotencyKey: emailOutbox.idempotencyKey,
  messageId: emailOutbox.messageId,
  sentAt: emailOutbox.sentAt,
  updatedAt: emailOutbox.updatedAt,
  state: emailOutbox.state,
};
type SentRow = SentMessage & { state: string };

// Each reads the key index (the driver binds a number as a real, hence the cast in the key): orders by supporter, then one probe per order; one probe per month; one range.
const receiptsOf = (db: Db) =>
  db
    .select(SENT_COLUMNS)
    .from(orders)
    .innerJoin(emailOutbox, eq(emailOutbox.idempotencyKey, sql`'receipt:' || ${orders.checkoutSessionId}`))
    .where(
      and(
        eq(orders.supporterId, sql.placeholder('supporterId')),
        eq(emailOutbox.supporterId, sql.placeholder('supporterId')),
      ),
    );
const monthlyOf = (db: Db) =>
  db
    .select(SENT_COLUMNS)
    .from(emailOutbox)
    .where(
      and(
        sql`${emailOutbox.idempotencyKey} in (select 'monthly:' || value || ':' || cast(${sql.placeholder('supporterId')} as integer) from json_each(${sql.placeholder('periods')}))`,
        eq(emailOutbox.supporterId, sql.placeholder('supporterId')),
      ),
    );
const linksOf = (db: Db) =>
  db
    .select(SENT_COLUMNS)
    .from(emailOutbox)
    .where(
      and(
        gte(emailOutbox.idempotencyKey, sql.placeholder('from')),
        lt(emailOutbox.idempotencyKey, sql.placeholder('to')),
        eq(emailOutbox.supporterId, sql.placeholder('supporterId')),
      ),
    );
const emailsOf = (db: Db) => receiptsOf(db).unionAll(monthlyOf(db)).unionAll(linksOf(db)).prepare();

/** When the address's counted soft bounces occurred, within [from, to], oldest first. */
export function softBounceTimes(db: Db, recipient: string, from: number, to: number): number[] {
  return db
    .select({ at: emailNotifications.occurredAt })
    .from(emailNotifications)
    .where(
      and(
        eq(emailNotifications.recipient, recipient),
        gte(emailNotifications.occurredAt, from),
        lte(emailNotifications.occurredAt, to),
        eq(emailNotifications.type, 'soft_bounce'),
        inArray(emailNotifications.effect, ['soft_counted', 'undeliverable']),
      ),
    )
    .orderBy(asc(emailNotifications.occurredAt))
    .all()
    .map((row) => row.at);
}

export function setNotificationEffect(tx: Db, id: number, effect: NotificationEffect): void {
  tx.update(emailNotifications).set({ effect }).where(eq(emailNotifications.id, id)).run();
}

export function markSupporterUndeliverable(tx: Db, supporterId: number): void {
  prepared(tx, undeliverable).run({ supporterId });
}

/** Dated when the complaint occurred; one already unsubscribed keeps the date they first did. */
export function unsubscribeSupporter(tx: Db, supporterId: number, at: number): void {
  prepared(tx, unsubscribe).run({ supporterId, at });
}

const undeliverable = (db: Db) =>
  db
    .update(supporters)
    .set({ isDeliverable: false })
    .where(eq(supporters.id, sql.placeholder('supporterId')))
    .prepare();
const unsubscribe = (db: Db) =>
  db
    .update(supporters)
    .set({
      isSubscribed: false,
      unsubscribedAt: sql`case when ${supporters.isSubscribed} then ${sql.placeholder('at')} else ${supporters.unsubscribedAt} end`,
    })
    .where(eq(supporters.id, sql.placeholder('supporterId')))
    .prepare();

/** Records what the provider said on the outbox row; a delivery never overwrites a bounce or complaint. */
export function setOutboxFeedback(
  tx: Db,
  outboxId: number,
  feedback: NonNullable<(typeof emailOutbox.$inferSelect)['feedback']>,
  at: number,
): void {
  prepared(tx, outboxFeedback).run({ outboxId, feedback, at });
}

const rank = (value: unknown) =>
  sql`case ${value} when 'delivered' then 1 when 'soft_bounce' then 2 when 'hard_bounce' then 3 when 'complaint' then 4 else 0 end`;
const outboxFeedback = (db: Db) =>
  db
    .update(emailOutbox)
    .set({ feedback: param(emailOutbox.feedback, 'feedback'), feedbackAt: param(emailOutbox.feedbackAt, 'at') })
    .where(
      and(
        eq(emailOutbox.id, sql.placeholder('outboxId')),
        sql`${rank(emailOutbox.feedback)} < ${rank(sql.placeholder('feedback'))}`,
      ),
    )
    .prepare();

/** An address's notices, newest first. */
export function listNotificationsFor(db: Db, recipient: string, limit = 100): EmailNotification[] {
  return db
    .select()
    .from(emailNotifications)
    .where(eq(emailNotifications.recipient, recipient))
    .orderBy(desc(emailNotifications.occurredAt))
    .limit(limit)
    .all();
}

/**
 * Erasure: the provider's notices about the address keep their counts (the rates stay true) and lose
 * the address and the provider's text, which may quote it.
 */
export function forgetNotificationAddress(tx: Db, email: string, placeholder: string): void {
  tx.update(emailNotifications)
    .set({ recipient: placeholder, messageId: null, detail: null })
    .where(eq(emailNotifications.recipient, email))
    .run();
}
