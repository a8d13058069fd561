import { and, asc, eq, gt, gte, inArray, lt, sql } from 'drizzle-orm';
import { prepared, type Db } from '../db/client.js';
import { emailOutbox } from '../db/schema/index.js';

/**
 * One supporter's emails in the outbox. The outbox has no index on `supporter_id` (bulk queueing
 * stays cheap without one), but every idempotency key names its supporter: `receipt:<checkout
 * session>` for each of their orders, `link:<supporter>:<request>`, `monthly:<YYYY-MM>:<supporter>`.
 * So they are found through the unique index on the key: a few probes per month the outbox holds,
 * never a scan of everyone's mail.
 */

/** A note on an email that was waiting when its buyer was erased: why it never went. */
export const NOT_SENT_ERASED = 'not sent: the buyer was erased';

export interface SupporterEmail {
  id: number;
  kind: 'receipt' | 'monthly' | 'impact_link';
  subject: string;
  state: 'queued' | 'sending' | 'sent' | 'failed' | 'dead';
  createdAt: number;
  sentAt: number | null;
}

const CHUNK = 400;

/** Ids of a supporter's emails, oldest first. `checkoutSessionIds` are their orders' sessions (receipts). */
export function findSupporterEmailIds(db: Db, supporterId: number, checkoutSessionIds: string[]): number[] {
  const keys = [
    ...checkoutSessionIds.map((id) => `receipt:${id}`),
    ...monthlyPeriods(db).map((period) => `monthly:${period}:${supporterId}`),
  ];
  const ids: number[] = [];
  for (let i = 0; i < keys.length; i += CHUNK) {
    const rows = db
      .select({ id: emailOutbox.id })
      .from(emailOutbox)
      .where(
        and(inArray(emailOutbox.idempotencyKey, keys.slice(i, i + CHUNK)), eq(emailOutbox.supporterId, supporterId)),
      )
      .all();
    ids.push(...rows.map((row) => row.id));
  }
  const links = db
    .select({ id: emailOutbox.id })
    .from(emailOutbox)
    // `;` follows `:` in ASCII: the range holds exactly the keys that start `link:<id>:`.
    .where(
      and(
        gte(emailOutbox.idempotencyKey, `link:${supporterId}:`),
        lt(emailOutbox.idempotencyKey, `link:${supporterId};`),
        eq(emailOutbox.supporterId, supporterId),
      ),
    )
    .all();
  ids.push(...links.map((row) => row.id));
  return ids.sort((a, b) => a - b);
}

/** The emails themselves, without their bodies: what a data export lists. */
export function listSupporterEmails(db: Db, ids: number[]): SupporterEmail[] {
  const rows: SupporterEmail[] = [];
  for (let i = 0; i < ids.length; i += CHUNK)
    rows.push(
      ...db
        .select({
          id: emailOutbox.id,
          kind: emailOutbox.kind,
          subject: emailOutbox.subject,
          state: emailOutbox.state,
          createdAt: emailOutbox.createdAt,
          sentAt: emailOutbox.sentAt,
        })
        .from(emailOutbox)
        .where(inArray(emailOutbox.id, ids.slice(i, i + CHUNK)))
        .orderBy(asc(emailOutbox.id))
        .all(),
    );
  return rows;
}

/**
 * Empties an erased buyer's emails: the address becomes `placeholder`, the name, text, HTML and
 * headers (List-Unsubscribe carries their private link) go, and so does any error text (a relay's
 * rejection quotes the address). One still waiting to be sent is given up: it never goes. Each row
 * stays (kind, subject, state, times, Message-ID and idempotency key), so nothing is sent twice and
 * the outbox's counts still add up. Returns how many rows were emptied.
 */
export function emptySupporterEmails(tx: Db, ids: number[], placeholder: string, now: number): number {
  let emptied = 0;
  for (let i = 0; i < ids.length; i += CHUNK) {
    const chunk = ids.slice(i, i + CHUNK);
    tx.update(emailOutbox)
      .set({ state: 'dead', lastError: NOT_SENT_ERASED })
      .where(and(inArray(emailOutbox.id, chunk), sql`${emailOutbox.state} in ('queued', 'failed')`))
      .run();
    emptied += tx
      .update(emailOutbox)
      .set({
        recipient: placeholder,
        recipientName: null,
        textBody: '',
        htmlBody: '',
        headers: null,
        lastError: sql`case when ${emailOutbox.lastError} = ${NOT_SENT_ERASED} then ${NOT_SENT_ERASED} end`,
        bodyPrunedAt: sql`coalesce(${emailOutbox.bodyPrunedAt}, ${now})`,
        updatedAt: now,
      })
      .where(inArray(emailOutbox.id, chunk))
      .run().changes;
  }
  return emptied;
}

/**
 * The months the outbox holds monthly emails for, read by skipping through the key index: one probe
 * lands on the first key of a month, the next jumps past all of that month's keys (`monthly:P;`).
 */
export function monthlyPeriods(db: Db): string[] {
  const periods: string[] = [];
  let after = 'monthly:';
  for (;;) {
    const key = prepared(db, nextMonthlyKey).get({ after })?.key;
    if (!key) return periods;
    const period = key.slice('monthly:'.length, 'monthly:'.length + 7);
    periods.push(period);
    after = `monthly:${period};`;
  }
}

const nextMonthlyKey = (db: Db) =>
  db
    .select({ key: emailOutbox.idempotencyKey })
    .from(emailOutbox)
    .where(and(gt(emailOutbox.idempotencyKey, sql.placeholder('after')), lt(emailOutbox.idempotencyKey, 'monthly;')))
    .orderBy(asc(emailOutbox.idempotencyKey))
    .limit(1)
    .prepare();
