import { checkDatabaseAnswers, type Db } from '../db/client.js';
import type { ReadinessSettings } from './ops-config.js';
import { readOperationalState, type OperationalState } from './operational-state.queries.js';

export interface Readiness {
  isReady: boolean;
  /** Why not, one sentence each, for the operator reading the probe's answer. */
  reasons: string[];
}

/**
 * Whether the app is doing its job, not merely up (that is /healthz): Stripe events are not failing
 * for long, the outbox is not stuck, and the disk has room. A load balancer or monitor reads the
 * 503 and its reasons.
 */
export function checkReadiness(db: Db, settings: ReadinessSettings, now: number, freeDiskBytes: number): Readiness {
  checkDatabaseAnswers(db);
  const state = readOperationalState(db);
  const reasons: string[] = [];
  const minutes = (ms: number) => `${Math.round(ms / 60_000)} minutes`;
  const failing = state.eventsByStatus.retrying + state.eventsByStatus.failed;
  if (state.oldestFailingEventAt !== null && now - state.oldestFailingEventAt > settings.eventFailureMs)
    reasons.push(
      `${failing} Stripe event(s) failing or retrying, the oldest for ${minutes(now - state.oldestFailingEventAt)}: ` +
        "see the console's webhook events, fix the cause and replay them",
    );
  const stuck = findStuckOutbox(state, settings.outboxStuckMs, now);
  if (stuck.dueForMs !== null)
    reasons.push(
      `the outbox is stuck: an email has been due for ${minutes(stuck.dueForMs)} ` +
        `(${state.emailsByState.queued} queued, ${state.emailsByState.failed} waiting to retry); check the mail relay`,
    );
  if (stuck.sendingForMs !== null)
    reasons.push(`the outbox is stuck: an email has been sending for ${minutes(stuck.sendingForMs)}`);
  if (freeDiskBytes < settings.minFreeDiskBytes)
    reasons.push(
      `${Math.floor(freeDiskBytes / 1_048_576)} MB free on the database's disk, under the ` +
        `${Math.floor(settings.minFreeDiskBytes / 1_048_576)} MB set by READY_MIN_FREE_DISK_MB`,
    );
  return { isReady: reasons.length === 0, reasons };
}

export interface StuckOutbox {
  /** How long the oldest due email has waited, when longer than allowed; else null. */
  dueForMs: number | null;
  /** How long the oldest email claimed for sending has been at it, when longer than allowed; else null. */
  sendingForMs: number | null;
}

/**
 * The outbox is stuck when an email has been due, or claimed for sending, for longer than
 * `stuckAfterMs` (READY_OUTBOX_STUCK_AFTER): what /readyz answers 503 for and the dashboard flags.
 */
export function findStuckOutbox(state: OperationalState, stuckAfterMs: number, now: number): StuckOutbox {
  const over = (since: number | null) => (since !== null && now - since > stuckAfterMs ? now - since : null);
  return { dueForMs: over(state.oldestDueEmailAt), sendingForMs: over(state.oldestSendingEmailAt) };
}
