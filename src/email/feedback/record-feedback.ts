import { transaction, type Db } from '../../db/client.js';
import { periodOf } from '../../lib/months.js';
import { findSupporterByEmail } from '../../supporters/supporters.queries.js';
import { monthlyPeriods } from '../supporter-emails.queries.js';
import {
  findSentMessage,
  insertNotificationIfNew,
  markSupporterUndeliverable,
  setNotificationEffect,
  setOutboxFeedback,
  softBounceTimes,
  unsubscribeSupporter,
  type NotificationEffect,
  type SentMessage,
} from './email-notifications.queries.js';
import type { FeedbackNotice } from './feedback-notice.js';

export interface FeedbackRules {
  /** Soft bounces within `softBounceWindowMs` that make an address undeliverable. */
  softBounceLimit: number;
  softBounceWindowMs: number;
}

/**
 * Stores each notice by its provider id and acts on it in the same short transaction, so a notice
 * is never stored and left unapplied, and a redelivery (already stored) changes nothing. What it does
 * depends on no other notice's arrival order: a hard bounce or enough soft bounces within the window
 * make the address undeliverable, a complaint unsubscribes it from monthly emails, and a delivery only
 * marks its outbox row, so it never makes an address deliverable again. A notice about no email we
 * sent is stored for staff and changes nothing. Returns, per notice, whether it was new.
 */
export function recordFeedback(db: Db, notices: FeedbackNotice[], rules: FeedbackRules, now: number): boolean[] {
  return transaction(
    db,
    (tx) => {
      const periods = monthlyPeriods(tx); // a few probes, once for the whole batch
      return notices.map((notice) => recordOne(tx, notice, periods, rules, now));
    },
    'immediate',
  );
}

function recordOne(tx: Db, notice: FeedbackNotice, periods: string[], rules: FeedbackRules, now: number): boolean {
  const supporter = findSupporterByEmail(tx, notice.recipient);
  const sent = supporter
    ? findSentMessage(tx, supporter.id, periods, notice.messageId, notice.sentAt ?? notice.occurredAt)
    : undefined;
  const isBeforeReset = supporter?.bouncesResetAt != null && notice.occurredAt < supporter.bouncesResetAt;
  const effect = initialEffect(notice, sent, isBeforeReset);
  const id = insertNotificationIfNew(
    tx,
    notice,
    { outboxId: sent?.id ?? null, supporterId: sent ? supporter!.id : null, sendKey: sent ? sendKeyOf(sent) : null },
    effect,
    now,
  );
  if (id === undefined) return false;
  if (!sent || !supporter) return true;
  setOutboxFeedback(tx, sent.id, notice.type === 'delivery' ? 'delivered' : notice.type, notice.occurredAt);
  if (effect === 'undeliverable') markSupporterUndeliverable(tx, supporter.id);
  if (effect === 'unsubscribed') unsubscribeSupporter(tx, supporter.id, notice.occurredAt);
  if (effect === 'soft_counted' && hasSoftBounceRun(tx, notice, rules, supporter.bouncesResetAt ?? 0)) {
    setNotificationEffect(tx, id, 'undeliverable');
    markSupporterUndeliverable(tx, supporter.id);
  }
  return true;
}

function initialEffect(
  notice: FeedbackNotice,
  sent: SentMessage | undefined,
  isBeforeReset: boolean,
): NotificationEffect {
  if (!sent) return 'unmatched';
  switch (notice.type) {
    case 'delivery':
      return 'recorded';
    case 'complaint':
      return 'unsubscribed';
    case 'hard_bounce':
      return isBeforeReset ? 'before_reset' : 'undeliverable';
    case 'soft_bounce':
      return isBeforeReset ? 'before_reset' : 'soft_counted';
  }
}

/**
 * Whether some window of `softBounceWindowMs` holds `softBounceLimit` counted soft bounces. Any such
 * window that is new holds this notice, so only the times within a window's length either side of it
 * are read: whichever of a run's notices arrives last finds the run, in any order.
 */
function hasSoftBounceRun(tx: Db, notice: FeedbackNotice, rules: FeedbackRules, resetAt: number): boolean {
  const { softBounceLimit: limit, softBounceWindowMs: windowMs } = rules;
  const from = Math.max(resetAt, notice.occurredAt - windowMs);
  const times = softBounceTimes(tx, notice.recipient, from, notice.occurredAt + windowMs);
  for (let i = 0; i + limit - 1 < times.length; i++) if (times[i + limit - 1]! - times[i]! <= windowMs) return true;
  return false;
}

/**
 * The send a message belongs to, for rates per send: a monthly run (`monthly:YYYY-MM`, the month it
 * reports on), else its kind and the month it went (`receipt:YYYY-MM`, `impact_link:YYYY-MM`).
 */
function sendKeyOf(sent: SentMessage): string {
  if (sent.kind === 'monthly') return sent.idempotencyKey.slice(0, 'monthly:YYYY-MM'.length);
  return `${sent.kind}:${periodOf(sent.sentAt ?? sent.updatedAt)}`;
}
