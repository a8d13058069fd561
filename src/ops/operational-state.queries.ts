import { inArray, max, min, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { emailOutbox, monthlyRuns, stripeEvents } from '../db/schema/index.js';

/** Event statuses that still need work, or a person: `processed` and `ignored` are done. */
const OPEN_EVENT_STATUSES = ['pending', 'retrying', 'failed'] as const;

export interface OperationalState {
  eventsByStatus: Record<(typeof OPEN_EVENT_STATUSES)[number], number>;
  /** When the oldest event waiting to be processed became due (its arrival), or null. */
  oldestPendingEventAt: number | null;
  /** When the oldest event now failing or retrying arrived, or null. */
  oldestFailingEventAt: number | null;
  emailsByState: { queued: number; sending: number; failed: number; dead: number };
  /** When the oldest email due to be sent fell due, or null. */
  oldestDueEmailAt: number | null;
  /** Whether that email waits for its first try (`queued`) or for a retry (`failed`). */
  oldestDueEmailState: 'queued' | 'failed' | null;
  /** When the oldest email claimed for sending was claimed, or null. */
  oldestSendingEmailAt: number | null;
  lastMonthlyRunAt: number | null;
}

/**
 * The queues an operator watches, read from the small indexes that hold only open work
 * (`stripe_events_ready` from its open statuses, `email_outbox_unsent`): milliseconds whatever the
 * number of orders, events or emails already done.
 */
export function readOperationalState(db: Db): OperationalState {
  const eventsByStatus = { pending: 0, retrying: 0, failed: 0 };
  for (const row of db
    .select({ status: stripeEvents.status, n: sql<number>`count(*)` })
    .from(stripeEvents)
    .where(inArray(stripeEvents.status, [...OPEN_EVENT_STATUSES]))
    .groupBy(stripeEvents.status)
    .all())
    eventsByStatus[row.status as keyof typeof eventsByStatus] = row.n;
  const oldestPending = db
    .select({ at: min(stripeEvents.nextAttemptAt) })
    .from(stripeEvents)
    .where(inArray(stripeEvents.status, ['pending']))
    .get();
  const oldestFailing = db
    .select({ at: min(stripeEvents.receivedAt) })
    .from(stripeEvents)
    .where(inArray(stripeEvents.status, ['retrying', 'failed']))
    .get();

  const emailsByState = { queued: 0, sending: 0, failed: 0, dead: 0 };
  let oldestDueEmailAt: number | null = null;
  let oldestDueEmailState: OperationalState['oldestDueEmailState'] = null;
  let oldestSendingEmailAt: number | null = null;
  for (const row of db
    .select({
      state: emailOutbox.state,
      n: sql<number>`count(*)`,
      due: min(emailOutbox.nextAttemptAt),
      touched: min(emailOutbox.updatedAt),
    })
    .from(emailOutbox)
    // Written out, not bound: SQLite uses a partial index only when the query states its condition.
    .where(sql`${emailOutbox.state} <> 'sent'`)
    .groupBy(emailOutbox.state)
    .all()) {
    if (row.state === 'sent') continue;
    emailsByState[row.state] = row.n;
    if (
      (row.state === 'queued' || row.state === 'failed') &&
      row.due !== null &&
      row.due < (oldestDueEmailAt ?? Infinity)
    ) {
      oldestDueEmailAt = row.due;
      oldestDueEmailState = row.state;
    }
    if (row.state === 'sending') oldestSendingEmailAt = row.touched;
  }
  const lastRun = db
    .select({ at: max(monthlyRuns.completedAt) })
    .from(monthlyRuns)
    .get();
  return {
    eventsByStatus,
    oldestPendingEventAt: oldestPending?.at ?? null,
    oldestFailingEventAt: oldestFailing?.at ?? null,
    emailsByState,
    oldestDueEmailAt,
    oldestDueEmailState,
    oldestSendingEmailAt,
    lastMonthlyRunAt: lastRun?.at ?? null,
  };
}
