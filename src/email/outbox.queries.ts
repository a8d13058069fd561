import { and, eq, inArray, lte, sql } from 'drizzle-orm';
import type Database from 'better-sqlite3';
import type { Db, DbOrTx } from '../db/client.js';
import { unpackText } from '../db/packed-text.js';
import { emailOutbox, supporters } from '../db/schema.js';
import { prepared } from '../db/prepared.js';
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

/** Queues a rendered email (one statement, prepared once); false when one with the same idempotency key exists already. */
export function insertOutboxMessage(tx: DbOrTx, message: NewOutboxMessage): boolean {
  const row = { ...message, supporterId: message.supporterId ?? null, recipientName: message.recipientName ?? null, headers: message.headers ?? null };
  return prepared(tx, insertMessage).run(row).changes > 0;
}

// Plain placeholders (not SQL) in an insert keep the schema's mapping: the HTML is packed as it goes in.
const INSERTED = [
  'kind', 'idempotencyKey', 'supporterId', 'recipient', 'recipientName', 'subject', 'textBody', 'htmlBody',
  'headers', 'messageId', 'nextAttemptAt', 'createdAt', 'updatedAt',
] as const satisfies ReadonlyArray<keyof NewOutboxMessage>;
const insertMessage = (db: DbOrTx) =>
  db
    .insert(emailOutbox)
    .values(Object.fromEntries(INSERTED.map((column) => [column, sql.placeholder(column)])) as unknown as NewOutboxMessage)
    .onConflictDoNothing({ target: emailOutbox.idempotencyKey })
    .prepare();

/** Which of these idempotency keys are queued (in any state) already. */
export function findQueuedKeys(db: DbOrTx, keys: string[]): Set<string> {
  if (keys.length === 0) return new Set();
  const rows = db.select({ key: emailOutbox.idempotencyKey }).from(emailOutbox).where(inArray(emailOutbox.idempotencyKey, keys)).all();
  return new Set(rows.map((row) => row.key));
}

/**
 * Records what happened to the messages sent since the last call, and takes up to `limit` due
 * messages, marking them `sending`: one transaction, so one commit, for both. A message to an
 * address known to be undeliverable, or a monthly email to someone who unsubscribed after it was
 * queued, is given up instead of taken: it is never handed to the relay.
 */
export function recordAndClaim(db: Db, results: SendResult[], now: number, limit: number): OutboxMessage[] {
  if (results.length === 0 && limit === 0) return [];
  const statements = statementsFor(db);
  // The outbox's own bookkeeping commits with synchronous=NORMAL: in WAL mode the commit survives
  // the app crashing, and only a power cut can lose the last few, which at worst sends those
  // messages once more (at least once, as documented). Everything else, queueing included, keeps
  // synchronous=FULL. The setting cannot change inside a transaction, so it wraps one.
  statements.relaxSync.run();
  try {
    // The driver's own transaction (drizzle's builds objects on every call); the rare drizzle
    // queries inside still run in it, on the same connection.
    return statements.transaction.immediate(() => {
      recordResults(db, statements, results, now);
      return limit > 0 ? claimDue(db, statements, now, limit) : [];
    });
  } finally {
    statements.restoreSync.run();
  }
}

/** The worker's statements, prepared once per database: a claim or a "sent" builds no SQL. */
function statementsFor(db: Db): Statements {
  let statements = preparedFor.get(db);
  if (!statements) preparedFor.set(db, (statements = prepareStatements(db)));
  return statements;
}

function prepareStatements(db: Db) {
  // Plain SQL on the driver: these run two or three times per message sent, and drizzle's query
  // building and row mapping cost more than the statements themselves.
  const client = (db as unknown as { $client: Database.Database }).$client;
  const due = client.prepare<{ now: number; limit: number }, DueRow>(`
    select o.id, o.kind, o.idempotency_key as idempotencyKey, o.supporter_id as supporterId, o.recipient,
      o.recipient_name as recipientName, o.subject, o.text_body as textBody, o.html_body as htmlBody, o.headers,
      o.message_id as messageId, o.state, o.attempts, o.unknown_outcomes as unknownOutcomes,
      o.next_attempt_at as nextAttemptAt, o.last_error as lastError, o.created_at as createdAt,
      o.updated_at as updatedAt, o.sent_at as sentAt, o.body_pruned_at as bodyPrunedAt, s.is_deliverable as isDeliverable, s.is_subscribed as isSubscribed
    from email_outbox o left join supporters s on s.id = o.supporter_id
    where o.state in ('queued', 'failed') and o.next_attempt_at <= :now -- as the partial index email_outbox_due, read in order
    order by o.next_attempt_at
    limit :limit`);
  return {
    transaction: client.transaction((work: () => OutboxMessage[]) => work()),
    relaxSync: client.prepare('pragma synchronous = NORMAL'),
    restoreSync: client.prepare('pragma synchronous = FULL'),
    due,
    markSending: client.prepare<{ now: number; id: number }>(`update email_outbox set state = 'sending', attempts = attempts + 1, updated_at = :now where id = :id`),
    markSent: client.prepare<{ now: number; id: number }>(`update email_outbox set state = 'sent', sent_at = :now, last_error = null, updated_at = :now where id = :id`),
  };
}
type DueRow = Omit<OutboxMessage, 'htmlBody'> & {
  htmlBody: Buffer | string;
  isDeliverable: 0 | 1 | null;
  isSubscribed: 0 | 1 | null;
};
type Statements = ReturnType<typeof prepareStatements>;
const preparedFor = new WeakMap<Db, Statements>();

function claimDue(tx: DbOrTx, statements: Statements, now: number, limit: number): OutboxMessage[] {
  const claimed: OutboxMessage[] = [];
  for (const { isDeliverable, isSubscribed, htmlBody, ...row } of statements.due.all({ now, limit })) {
    // Plain SQL skips the schema's column mapping: the HTML is unpacked here.
    const message: OutboxMessage = { ...row, htmlBody: unpackText(htmlBody) };
    const reason =
      isDeliverable === 0
        ? 'not sent: the address is undeliverable (a message to it was permanently rejected)'
        : message.kind === 'monthly' && isSubscribed === 0
          ? 'not sent: the supporter unsubscribed after it was queued'
          : null;
    if (reason) {
      tx.update(emailOutbox).set({ state: 'dead', lastError: reason, updatedAt: now }).where(eq(emailOutbox.id, message.id)).run();
      continue;
    }
    statements.markSending.run({ now, id: message.id });
    claimed.push({ ...message, state: 'sending', attempts: message.attempts + 1, updatedAt: now });
  }
  return claimed;
}

function recordResults(tx: DbOrTx, statements: Statements, results: SendResult[], now: number): void {
  for (const { message, outcome } of results) {
    if (outcome.status === 'sent') {
      statements.markSent.run({ now, id: message.id });
      continue;
    }
    if (outcome.status === 'rejected' && outcome.isRecipientRejected) {
      tx.update(supporters).set({ isDeliverable: false }).where(eq(supporters.email, message.recipient)).run();
    }
    tx.update(emailOutbox).set(failureUpdate(message, outcome, now)).where(eq(emailOutbox.id, message.id)).run();
  }
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
