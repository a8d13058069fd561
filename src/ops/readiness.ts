import { checkDatabaseAnswers, type Db } from '../db/client.js';
import type { ReadinessSettings } from './ops-config.js';
import { readOperationalState } from './operational-state.queries.js';

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
  if (state.oldestDueEmailAt !== null && now - state.oldestDueEmailAt > settings.outboxStuckMs)
    reasons.push(
      `the outbox is stuck: an email has been due for ${minutes(now - state.oldestDueEmailAt)} ` +
        `(${state.emailsByState.queued} queued, ${state.emailsByState.failed} waiting to retry); check the mail relay`,
    );
  if (state.oldestSendingEmailAt !== null && now - state.oldestSendingEmailAt > settings.outboxStuckMs)
    reasons.push(`the outbox is stuck: an email has been sending for ${minutes(now - state.oldestSendingEmailAt)}`);
  if (freeDiskBytes < settings.minFreeDiskBytes)
    reasons.push(
      `${Math.floor(freeDiskBytes / 1_048_576)} MB free on the database's disk, under the ` +
        `${Math.floor(settings.minFreeDiskBytes / 1_048_576)} MB set by READY_MIN_FREE_DISK_MB`,
    );
  return { isReady: reasons.length === 0, reasons };
}
