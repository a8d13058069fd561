import { and, asc, desc, eq, gte, inArray, lte, sql } from 'drizzle-orm';
import { prepared, type Db } from '../../db/client.js';
import { emailNotifications, emailOutbox, orders, supporters } from '../../db/schema/index.js';
import { findSupporterEmailIds } from '../supporter-emails.queries.js';
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
 * The email a notice is about, among the supporter's own (found through the outbox's key index, as
 * their console page finds them, so the outbox needs no index on Message-ID): the one with the
 * notice's Message-ID, or, when the provider dropped it, the last one sent to them at or before the
 * original message's time (or the notice's).
 */
export function findSentMessage(
  db: Db,
  supporterId: number,
  messageId: string | null,
  near: number,
): SentMessage | undefined {
  const sessions = prepared(db, sessionsOf)
    .all({ supporterId })
    .map((row) => row.checkoutSessionId);
  const ids = findSupporterEmailIds(db, supporterId, sessions);
  if (ids.length === 0) return undefined;
  const rows = db
    .select({
      id: emailOutbox.id,
      kind: emailOutbox.kind,
      idempotencyKey: emailOutbox.idempotencyKey,
      messageId: emailOutbox.messageId,
      sentAt: emailOutbox.sentAt,
      updatedAt: emailOutbox.updatedAt,
      state: emailOutbox.state,
    })
    .from(emailOutbox)
    .where(inArray(emailOutbox.id, ids.slice(-400)))
    .all();
  // A Message-ID that is none of theirs names a message we never sent them: unmatched, not guessed.
  return messageId ? rows.find((row) => row.messageId === messageId) : latestSentBefore(rows, near);
}

function latestSentBefore<R extends SentMessage & { state: string }>(rows: R[], near: number): R | undefined {
  let best: R | undefined;
  for (const row of rows) {
    // A message still marked `sending` may have gone a moment ago: the outbox records sends every 25 ms.
    const at = row.sentAt ?? (row.state === 'sending' ? row.updatedAt : null);
    if (at === null || at > near + CLOCK_SKEW_MS) continue;
    if (!best || at > (best.sentAt ?? best.updatedAt)) best = row;
  }
  return best;
}

const sessionsOf = (db: Db) =>
  db
    .select({ checkoutSessionId: orders.checkoutSessionId })
    .from(orders)
    .where(eq(orders.supporterId, sql.placeholder('supporterId')))
    .prepare();

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
  tx.update(supporters).set({ isDeliverable: false }).where(eq(supporters.id, supporterId)).run();
}

export function unsubscribeSupporter(tx: Db, supporterId: number): void {
  tx.update(supporters).set({ isSubscribed: false }).where(eq(supporters.id, supporterId)).run();
}

/** Records what the provider said on the outbox row; a delivery never overwrites a bounce or complaint. */
export function setOutboxFeedback(
  tx: Db,
  outboxId: number,
  feedback: NonNullable<(typeof emailOutbox.$inferSelect)['feedback']>,
  at: number,
): void {
  const rank = (value: unknown) =>
    sql`case ${value} when 'delivered' then 1 when 'soft_bounce' then 2 when 'hard_bounce' then 3 when 'complaint' then 4 else 0 end`;
  tx.update(emailOutbox)
    .set({ feedback, feedbackAt: at })
    .where(and(eq(emailOutbox.id, outboxId), sql`${rank(emailOutbox.feedback)} < ${rank(feedback)}`))
    .run();
}

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
