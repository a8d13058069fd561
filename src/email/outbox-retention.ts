import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { and, count, inArray, lt, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { emailOutbox } from '../db/schema/index.js';

/** How long the text of a sent email is kept unless `emails:prune --older-than` says otherwise. */
export const DEFAULT_KEEP_DAYS = 90;
const DAY_MS = 86_400_000;
const BATCH = 500;

export interface PruneSummary {
  keepDays: number;
  /** Emails sent before this instant lose their text. */
  sentBefore: number;
  /** Sent emails old enough whose text was still there. */
  found: number;
  pruned: number;
  isDryRun: boolean;
}

/**
 * Empties the text and HTML of emails sent more than `keepDays` ago: a monthly run for 100,000
 * supporters stores about 100 MB of bodies, nobody reads them once they have gone, and SQLite
 * reuses the space for new rows. The row stays (recipient, subject, state, Message-ID, times and
 * the idempotency key), so the outbox still knows what went, to whom and when, and nothing is ever
 * sent twice. Only `sent` emails are touched: queued, failing and given-up ones keep their text for
 * sending or for staff to look into. Works in batches, each its own transaction, with a turn of the
 * event loop between them, so the running app keeps answering and sending meanwhile; reads only the
 * email_outbox_prunable index to find them; stops between batches once `shouldStop` says so (the
 * rest waits for the next run).
 */
export async function pruneSentBodies(
  db: Db,
  opts: {
    keepDays: number;
    now: number;
    isDryRun?: boolean;
    onProgress?: (done: number, total: number) => void;
    shouldStop?: () => boolean;
  },
): Promise<PruneSummary> {
  if (!Number.isInteger(opts.keepDays) || opts.keepDays < 1)
    throw new RangeError(`keepDays must be a whole number of days, 1 or more (got ${opts.keepDays})`);
  const sentBefore = opts.now - opts.keepDays * DAY_MS;
  // Spelled as the partial index's own condition (literals, not bound values), so SQLite uses it.
  const isOldEnough = and(
    sql`${emailOutbox.state} = 'sent' and ${emailOutbox.bodyPrunedAt} is null`,
    lt(emailOutbox.sentAt, sentBefore),
  );
  const found = db.select({ n: count() }).from(emailOutbox).where(isOldEnough).get()?.n ?? 0;
  const summary: PruneSummary = {
    keepDays: opts.keepDays,
    sentBefore,
    found,
    pruned: 0,
    isDryRun: opts.isDryRun ?? false,
  };
  if (summary.isDryRun || found === 0) return summary;

  opts.onProgress?.(0, found);
  // Each batch leaves the index as it is emptied, so the next batch is simply the oldest left.
  while (!opts.shouldStop?.()) {
    const ids = db
      .select({ id: emailOutbox.id })
      .from(emailOutbox)
      .where(isOldEnough)
      .limit(BATCH)
      .all()
      .map((row) => row.id);
    if (ids.length === 0) break;
    summary.pruned += db
      .update(emailOutbox)
      .set({ textBody: '', htmlBody: '', bodyPrunedAt: opts.now })
      .where(and(inArray(emailOutbox.id, ids), isOldEnough))
      .run().changes;
    opts.onProgress?.(Math.min(summary.pruned, found), found);
    await yieldToEventLoop();
  }
  return summary;
}
