import type { Db } from '../db/client.js';
import {
  listCaughtUpEvents,
  readSyncState,
  summariseArrivals,
  type ArrivalSummary,
} from '../stripe/sync-state.queries.js';

export interface WebhookHealth extends ArrivalSummary {
  isCatchUpOn: boolean;
  lastCatchUpRunAt: number | null;
  lastCatchUpError: string | null;
  /** No webhook for the quiet hours while the catch-up keeps finding events: the endpoint or its secret is broken. */
  isWebhookQuiet: boolean;
  quietHours: number;
  recentCaughtUp: ReturnType<typeof listCaughtUpEvents>;
}

/**
 * Whether Stripe's webhooks are reaching the app: the last event by webhook and by catch-up, and
 * the events the catch-up had to fetch (each one a delivery Stripe failed to make).
 */
export function webhookHealth(db: Db, now: number, opts: { quietHours: number; isCatchUpOn: boolean }): WebhookHealth {
  const arrivals = summariseArrivals(db);
  const sync = readSyncState(db);
  const quietSince = now - opts.quietHours * 3_600_000;
  const isWebhookQuiet =
    (arrivals.lastWebhookAt ?? 0) < quietSince && sync.lastFoundNewAt !== null && sync.lastFoundNewAt >= quietSince;
  return {
    ...arrivals,
    isCatchUpOn: opts.isCatchUpOn,
    lastCatchUpRunAt: sync.lastSuccessAt,
    lastCatchUpError: sync.lastError,
    isWebhookQuiet,
    quietHours: opts.quietHours,
    recentCaughtUp: listCaughtUpEvents(db, 10),
  };
}
