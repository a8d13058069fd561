import { and, eq, inArray, lte, sql } from 'drizzle-orm';
import { param, placeholdersFor, prepared, transaction, withRelaxedDurability, type Db } from '../db/client.js';
import { emailOutbox, emailSentCounts, supporters } from '../db/schema/index.js';
import { periodOf } from '../lib/months.js';
import { NOT_SENT_ERASED } from './supporter-emails.queries.js';
import type { SendOutcome } from './transport.js';

export type OutboxMessage = typeof emailOutbox.$inferSelect;
export type NewOutboxMessage = Omit<
  typeof emailOutbox.$inferInsert,
  'id' | 'state' | 'attempts' | 'unknownOutcomes' | 'lastError' | 'sentAt'
>;
export type OutboxState = OutboxMessage['state'];
export interface SendResult {
  message: OutboxMessage;
  outcome: SendOutcome;
}

/** A temporary failure is retried 12 times in all: after 1, 2, 4 … minutes, capped at 4 hours (about 16 hours). */
export const EMAIL_MAX_ATTEMPTS = 12;
export function emailRetryDelayMs(attempts: number): number {
  return Math.min(60_000 * 2 ** Math.max(0, attempts - 1), 4 * 3_600_000);
}

/**
 * Queues a rendered email (one statement, prepared once); false when one with the same idempotency key
 * exists already.
 */
export function insertOutboxMessage(tx: Db, message: NewOutboxMessage): boolean {
  const row = {
    ...message,
    supporterId: message.supporterId ?? null,
    recipientName: message.recipientName ?? null,
    headers: message.headers ?? null,
  };
  return prepared(tx, insertMessage).run(row).changes > 0;
}

// Placeholders in an insert keep the schema's mapping: the HTML is packed as it goes in.
const INSERTED = [
  'kind',
  'idempotencyKey',
  'supporterId',
  'recipient',
  'recipientName',
  'subject',
  'textBody',
  'htmlBody',
  'headers',
  'messageId',
  'nextAttemptAt',
  'createdAt',
  'updatedAt',
] as const satisfies ReadonlyArray<keyof NewOutboxMessage>;
const insertMessage = (db: Db) =>
  db
    .insert(emailOutbox)
    .values(placeholdersFor(INSERTED))
    .onConflictDoNothing({ target: emailOutbox.idempotencyKey })
    .prepare();

/** Which of these idempotency keys are queued (in any state) already. */
export function findQueuedKeys(db: Db, keys: string[]): Set<string> {
  if (keys.length === 0) return new Set();
  const rows = db
    .select({ key: emailOutbox.idempotencyKey })
    .from(emailOutbox)
    .where(inArray(emailOutbox.idempotencyKey, keys))
    .all();
  return new Set(rows.map((row) => row.key));
}

/**
 * Records what happened to the messages sent since the last call, and takes up to `limit` due
 * messages, marking them `sending`: one transaction, so one commit, for both. A message to an
 * address known to be undeliverable or to a buyer since erased, or a monthly email to someone who
 * unsubscribed after it was queued, is given up instead of taken: it is never handed to the relay.
 */
export function recordAndClaim(db: Db, results: SendResult[], now: number, limit: number): OutboxMessage[] {
  if (results.length === 0 && limit === 0) return [];
  // The outbox's own bookkeeping commits without waiting for the disk: a commit lost to a power cut
  // at worst sends those messages once more (at least once, as documented).
  return withRelaxedDurability(db, () =>
    transaction(
      db,
      (tx) => {
        recordResults(tx, results, now);
        return limit > 0 ? claimDue(tx, now, limit) : [];
      },
      'immediate',
    ),
  );
}

// Prepared once: these run two or three times per message sent.
const dueMessages = (db: Db) =>
  db
    .select({
      message: emailOutbox,
      isDeliverable: supporters.isDeliverable,
      isSubscribed: supporters.isSubscribed,
      isErased: sql<number | null>`${supporters.erasedAt} is not null`,
    })
    .from(emailOutbox)
    .leftJoin(supporters, eq(supporters.id, emailOutbox.supporterId))
    // As the partial index email_outbox_due is written, so it is read in order.
    .where(
      and(sql`${emailOutbox.state} in ('queued', 'failed')`, lte(emailOutbox.nextAttemptAt, sql.placeholder('now'))),
    )
    .orderBy(emailOutbox.nextAttemptAt)
    .limit(sql.placeholder('limit'))
    .prepare();
const markSending = (db: Db) =>
  db
    .update(emailOutbox)
    .set({
      state: 'sending',
      attempts: sql`${emailOutbox.attempts} + 1`,
      updatedAt: param(emailOutbox.updatedAt, 'now'),
    })
    .where(eq(emailOutbox.id, sql.placeholder('id')))
    .prepare();
const markSent = (db: Db) =>
  db
    .update(emailOutbox)
    .set({
      state: 'sent',
      sentAt: param(emailOutbox.sentAt, 'now'),
      lastError: null,
      updatedAt: param(emailOutbox.updatedAt, 'now'),
    })
    .where(eq(emailOutbox.id, sql.placeholder('id')))
    .prepare();

function claimDue(tx: Db, now: number, limit: number): OutboxMessage[] {
  const claimed: OutboxMessage[] = [];
  for (const { message, isDeliverable, isSubscribed, isErased } of prepared(tx, dueMessages).all({ now, limit })) {
    const reason = isErased
      ? NOT_SENT_ERASED
      : isDeliverable === false
        ? 'not sent: the address is undeliverable (a message to it was permanently rejected)'
        : message.kind === 'monthly' && isSubscribed === false
          ? 'not sent: the supporter unsubscribed after it was queued'
          : null;
    if (reason) {
      tx.update(emailOutbox)
        .set({ state: 'dead', lastError: reason, updatedAt: now })
        .where(eq(emailOutbox.id, message.id))
        .run();
      continue;
    }
    prepared(tx, markSending).run({ now, id: message.id });
    claimed.push({ ...message, state: 'sending', attempts: message.attempts + 1, updatedAt: now });
  }
  return claimed;
}

function recordResults(tx: Db, results: SendResult[], now: number): void {
  const sentByKind = new Map<OutboxMessage['kind'], number>();
  for (const { message, outcome } of results) {
    if (outcome.status === 'sent') {
      prepared(tx, markSent).run({ now, id: message.id });
      sentByKind.set(message.kind, (sentByKind.get(message.kind) ?? 0) + 1);
      continue;
    }
    if (outcome.status === 'rejected' && outcome.isRecipientRejected) {
      tx.update(supporters).set({ isDeliverable: false }).where(eq(supporters.email, message.recipient)).run();
    }
    tx.update(emailOutbox)
      .set(failureUpdate(message, outcome, now))
      .where(eq(emailOutbox.id, message.id))
      .run();
  }
  // The denominators of bounce and complaint rates: one upsert per kind per flush, not per message.
  for (const [kind, sent] of sentByKind) prepared(tx, countSent).run({ period: periodOf(now), kind, sent });
}

const countSent = (db: Db) =>
  db
    .insert(emailSentCounts)
    .values({ period: sql.placeholder('period'), kind: sql.placeholder('kind'), sent: sql.placeholder('sent') })
    .onConflictDoUpdate({
      target: [emailSentCounts.period, emailSentCounts.kind],
      set: { sent: sql`${emailSentCounts.sent} + excluded.sent` },
    })
    .prepare();

function failureUpdate(message: OutboxMessage, outcome: Exclude<SendOutcome, { status: 'sent' }>, now: number) {
  const retry = (note: string, extra: Partial<OutboxMessage> = {}) =>
    message.attempts >= EMAIL_MAX_ATTEMPTS
      ? {
          state: 'dead' as const,
          lastError: `gave up after ${message.attempts} attempts: ${note}`,
          updatedAt: now,
          ...extra,
        }
      : {
          state: 'failed' as const,
          lastError: note,
          nextAttemptAt: now + emailRetryDelayMs(message.attempts),
          updatedAt: now,
          ...extra,
        };
  switch (outcome.status) {
    case 'rejected':
      return { state: 'dead' as const, lastError: `rejected: ${outcome.error}`, updatedAt: now };
    case 'unknown':
      // At least once, but not in a loop: one more try with the same Message-ID, then stop.
      if (message.unknownOutcomes >= 1) {
        return {
          state: 'dead' as const,
          lastError: `outcome unknown twice, not retried again: ${outcome.error}`,
          unknownOutcomes: message.unknownOutcomes + 1,
          updatedAt: now,
        };
      }
      return retry(
        `outcome unknown (may have been delivered; retried once with the same Message-ID): ${outcome.error}`,
        { unknownOutcomes: 1 },
      );
    default:
      return retry(outcome.error);
  }
}

/**
 * After a crash, messages left `sending` may or may not have reached the relay. Each is retried
 * once (same Message-ID); one found `sending` after a crash for the second time is given up.
 * Only one process may send from a database, so this runs when a worker first starts.
 */
export function recoverInterruptedSends(db: Db, now: number): { retried: number; givenUp: number } {
  return transaction(
    db,
    (tx) => {
      const note = 'outcome unknown: the app stopped while sending';
      const givenUp = tx
        .update(emailOutbox)
        .set({
          state: 'dead',
          lastError: `${note}, for the second time; not retried again`,
          unknownOutcomes: sql`${emailOutbox.unknownOutcomes} + 1`,
          updatedAt: now,
        })
        .where(and(eq(emailOutbox.state, 'sending'), sql`${emailOutbox.unknownOutcomes} >= 1`))
        .run().changes;
      const retried = tx
        .update(emailOutbox)
        .set({
          state: 'failed',
          lastError: `${note}; retried once with the same Message-ID`,
          unknownOutcomes: 1,
          nextAttemptAt: now,
          updatedAt: now,
        })
        .where(eq(emailOutbox.state, 'sending'))
        .run().changes;
      return { retried, givenUp };
    },
    'immediate',
  );
}

export function countOutboxByState(db: Db): Partial<Record<OutboxState, number>> {
  const rows = db
    .select({ state: emailOutbox.state, n: sql<number>`count(*)` })
    .from(emailOutbox)
    .groupBy(emailOutbox.state)
    .all();
  return Object.fromEntries(rows.map((row) => [row.state, row.n]));
}
