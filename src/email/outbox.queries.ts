import { and, eq, inArray, lte, sql } from 'drizzle-orm';
import type { Db, DbOrTx } from '../db/client.js';
import { emailOutbox, supporters } from '../db/schema.js';
import type { SendOutcome } from './transport.js';

export type OutboxMessage = typeof emailOutbox.$inferSelect;
export type NewOutboxMessage = Omit<typeof emailOutbox.$inferInsert, 'id' | 'state' | 'attempts' | 'unknownOutcomes' | 'lastError' | 'sentAt'>;
export type OutboxState = OutboxMessage['state'];
export interface SendResult {
  message: OutboxMessage;
  outcome: SendOutcome;
}

/** A temporary failure is retried 12 times in all: after 1, 2, 4 … minutes, capped at 4 hours (about 16 hours). */
export const MAX_ATTEMPTS = 12;
export function retryDelayMs(attempts: number): number {
  return Math.min(60_000 * 2 ** Math.max(0, attempts - 1), 4 * 3_600_000);
}

/** Queues a rendered email; false when one with the same idempotency key exists already. */
export function insertOutboxMessage(tx: DbOrTx, message: NewOutboxMessage): boolean {
  return tx.insert(emailOutbox).values(message).onConflictDoNothing({ target: emailOutbox.idempotencyKey }).run().changes > 0;
}

/** Which of these idempotency keys are queued (in any state) already. */
export function findQueuedKeys(db: DbOrTx, keys: string[]): Set<string> {
  if (keys.length === 0) return new Set();
  const rows = db.select({ key: emailOutbox.idempotencyKey }).from(emailOutbox).where(inArray(emailOutbox.idempotencyKey, keys)).all();
  return new Set(rows.map((row) => row.key));
}

/**
 * Takes up to `limit` due messages and marks them `sending`, in one transaction. A message to an
 * address known to be undeliverable, or a monthly email to someone who unsubscribed after it was
 * queued, is given up instead: it is never handed to the relay.
 */
export function claimDueMessages(db: Db, now: number, limit: number): OutboxMessage[] {
  return db.transaction(
    (tx) => {
      const due = tx
        .select({ message: emailOutbox, isDeliverable: supporters.isDeliverable, isSubscribed: supporters.isSubscribed })
        .from(emailOutbox)
        .leftJoin(supporters, eq(supporters.id, emailOutbox.supporterId))
        // The same expression as the partial index email_outbox_due, so SQLite uses it.
        .where(and(sql`${emailOutbox.state} in ('queued', 'failed')`, lte(emailOutbox.nextAttemptAt, now)))
        .orderBy(emailOutbox.nextAttemptAt)
        .limit(limit)
        .all();
      const claimed: OutboxMessage[] = [];
      for (const { message, isDeliverable, isSubscribed } of due) {
        const reason =
          isDeliverable === false
            ? 'not sent: the address is undeliverable (a message to it was permanently rejected)'
            : message.kind === 'monthly' && isSubscribed === false
              ? 'not sent: the supporter unsubscribed after it was queued'
              : null;
        if (!reason) claimed.push(message);
        else tx.update(emailOutbox).set({ state: 'dead', lastError: reason, updatedAt: now }).where(eq(emailOutbox.id, message.id)).run();
      }
      if (claimed.length > 0) {
        tx.update(emailOutbox)
          .set({ state: 'sending', attempts: sql`${emailOutbox.attempts} + 1`, updatedAt: now })
          .where(inArray(emailOutbox.id, claimed.map((m) => m.id)))
          .run();
      }
      return claimed.map((m) => ({ ...m, state: 'sending' as const, attempts: m.attempts + 1, updatedAt: now }));
    },
    { behavior: 'immediate' },
  );
}

/** Records what happened to sent messages, all in one transaction. */
export function recordSendResults(db: Db, results: SendResult[], now: number): void {
  if (results.length === 0) return;
  db.transaction(
    (tx) => {
      const sentIds = results.filter((r) => r.outcome.status === 'sent').map((r) => r.message.id);
      if (sentIds.length > 0) {
        tx.update(emailOutbox).set({ state: 'sent', sentAt: now, lastError: null, updatedAt: now }).where(inArray(emailOutbox.id, sentIds)).run();
      }
      for (const { message, outcome } of results) {
        if (outcome.status === 'sent') continue;
        if (outcome.status === 'rejected' && outcome.isRecipientRejected) {
          tx.update(supporters).set({ isDeliverable: false }).where(eq(supporters.email, message.recipient)).run();
        }
        tx.update(emailOutbox).set(failureUpdate(message, outcome, now)).where(eq(emailOutbox.id, message.id)).run();
      }
    },
    { behavior: 'immediate' },
  );
}

function failureUpdate(message: OutboxMessage, outcome: Exclude<SendOutcome, { status: 'sent' }>, now: number) {
  const retry = (note: string, extra: Partial<OutboxMessage> = {}) =>
    message.attempts >= MAX_ATTEMPTS
      ? { state: 'dead' as const, lastError: `gave up after ${message.attempts} attempts: ${note}`, updatedAt: now, ...extra }
      : { state: 'failed' as const, lastError: note, nextAttemptAt: now + retryDelayMs(message.attempts), updatedAt: now, ...extra };
  switch (outcome.status) {
    case 'rejected':
      return { state: 'dead' as const, lastError: `rejected: ${outcome.error}`, updatedAt: now };
    case 'unknown':
      // At least once, but not in a loop: one more try with the same Message-ID, then stop.
      if (message.unknownOutcomes >= 1) {
        return { state: 'dead' as const, lastError: `outcome unknown twice, not retried again: ${outcome.error}`, unknownOutcomes: message.unknownOutcomes + 1, updatedAt: now };
      }
      return retry(`outcome unknown (may have been delivered; retried once with the same Message-ID): ${outcome.error}`, { unknownOutcomes: 1 });
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
  return db.transaction(
    (tx) => {
      const note = 'outcome unknown: the app stopped while sending';
      const givenUp = tx
        .update(emailOutbox)
        .set({ state: 'dead', lastError: `${note}, for the second time; not retried again`, unknownOutcomes: sql`${emailOutbox.unknownOutcomes} + 1`, updatedAt: now })
        .where(and(eq(emailOutbox.state, 'sending'), sql`${emailOutbox.unknownOutcomes} >= 1`))
        .run().changes;
      const retried = tx
        .update(emailOutbox)
        .set({ state: 'failed', lastError: `${note}; retried once with the same Message-ID`, unknownOutcomes: 1, nextAttemptAt: now, updatedAt: now })
        .where(eq(emailOutbox.state, 'sending'))
        .run().changes;
      return { retried, givenUp };
    },
    { behavior: 'immediate' },
  );
}

export function countOutboxByState(db: DbOrTx): Partial<Record<OutboxState, number>> {
  const rows = db.select({ state: emailOutbox.state, n: sql<number>`count(*)` }).from(emailOutbox).groupBy(emailOutbox.state).all();
  return Object.fromEntries(rows.map((row) => [row.state, row.n]));
}
