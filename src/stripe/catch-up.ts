import type Stripe from 'stripe';
import type { Db } from '../db/client.js';
import type { Clock } from '../lib/clock.js';
import { handledEventTypes } from './event-handlers.js';
import type { EventWriter } from './event-writer.js';
import { pagesOf, callStripe, type CallOptions } from './stripe-api.js';
import { newestStoredEventCreated, readSyncState, updateSyncState } from './sync-state.queries.js';
import { parseStripeEvent, type VerifiedEvent } from './verify-event.js';
import { AppError, StripeRefusedError } from '../errors.js';

/** Stripe's Events API keeps this much. */
export const EVENT_RETENTION_SECONDS = 30 * 86_400;
/** Each run starts this far before where the last one reached: an event can be listed a little after it was created. */
export const CATCH_UP_OVERLAP_SECONDS = 600;

export interface CatchUpDeps {
  db: Db;
  stripe: Stripe;
  writer: EventWriter;
  clock: Clock;
  /** Events were stored: processing should pass soon. */
  onStored(): void;
}

export interface CatchUpOptions extends CallOptions {
  /** Start here (Stripe seconds) instead of where the last run reached. */
  sinceCreated?: number;
  /** Start at this event's time. */
  sinceEventId?: string;
  onPage?(progress: { pages: number; listed: number; stored: number; from: number; upTo: number }): void;
  shouldStop?(): boolean;
}

export interface CatchUpSummary {
  from: number;
  upTo: number;
  pages: number;
  listed: number;
  /** Events no webhook had delivered: each one a delivery Stripe failed to make. */
  stored: number;
  isResumed: boolean;
  /** Set when the start asked for was older than Stripe keeps events: what before `retentionStart` may be missing. */
  gap: { asked: number; retentionStart: number } | null;
  isStopped: boolean;
}

/**
 * Lists the events the app handles from Stripe's Events API, newest first, every page, and stores
 * each through the webhook's own path (the same validation, the same dedupe by event id, the same
 * processing), so an event a webhook already brought is skipped. Progress is kept after each page:
 * a run cut short resumes at the page it reached; only a finished run moves the start of the next.
 */
export async function catchUpEvents(deps: CatchUpDeps, opts: CatchUpOptions = {}): Promise<CatchUpSummary> {
  const { db, clock } = deps;
  const now = clock.now();
  const nowSeconds = Math.floor(now / 1000);
  const retentionStart = nowSeconds - EVENT_RETENTION_SECONDS;
  const state = readSyncState(db);
  const isResumed =
    opts.sinceCreated === undefined && !opts.sinceEventId && state.runFrom !== null && !!state.pageAfter;
  let from: number;
  let upTo = nowSeconds;
  if (opts.sinceCreated !== undefined) from = opts.sinceCreated;
  else if (opts.sinceEventId) from = await createdOfEvent(deps.stripe, opts.sinceEventId, opts);
  else if (isResumed) [from, upTo] = [state.runFrom!, state.runUpTo ?? nowSeconds];
  else {
    // A new install starts with all Stripe keeps; otherwise from where it got to, less the overlap.
    const reached = state.reachedCreated ?? newestStoredEventCreated(db);
    from = reached === null ? retentionStart : reached - CATCH_UP_OVERLAP_SECONDS;
  }
  const gap = from < retentionStart ? { asked: from, retentionStart } : null;
  if (gap) from = retentionStart;

  updateSyncState(db, {
    runFrom: from,
    runUpTo: upTo,
    pageAfter: isResumed ? state.pageAfter : null,
    lastRunAt: now,
  });
  const summary: CatchUpSummary = { from, upTo, pages: 0, listed: 0, stored: 0, isResumed, gap, isStopped: false };
  const types = handledEventTypes();
  try {
    const pages = pagesOf<Stripe.Event>(
      'events',
      (startingAfter) =>
        deps.stripe.events.list({
          types,
          created: { gte: from },
          limit: 100,
          ...(startingAfter && { starting_after: startingAfter }),
        }),
      { ...opts, startingAfter: isResumed ? state.pageAfter! : undefined },
    );
    for await (const page of pages) {
      const events = page.map(toVerifiedEvent); // the whole page is checked before any of it is stored
      const isNew = await Promise.all(events.map((event) => deps.writer.store(event)));
      const stored = isNew.filter(Boolean).length;
      summary.pages++;
      summary.listed += events.length;
      summary.stored += stored;
      updateSyncState(db, {
        pageAfter: events[events.length - 1]!.id,
        ...(stored > 0 && { lastFoundNewAt: clock.now() }),
      });
      if (stored > 0) deps.onStored();
      opts.onPage?.({ pages: summary.pages, listed: summary.listed, stored: summary.stored, from, upTo });
      if (opts.shouldStop?.()) {
        summary.isStopped = true;
        return summary;
      }
    }
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    // A cursor Stripe no longer knows cannot be resumed from: the next run lists the window again.
    const isCursorLost = error instanceof StripeRefusedError && error.code !== 'stripe_permission';
    updateSyncState(db, { lastError: message.slice(0, 2000), ...(isCursorLost && { pageAfter: null }) });
    throw error;
  }
  const reached = Math.max(upTo, state.reachedCreated ?? 0);
  updateSyncState(db, {
    reachedCreated: reached,
    runFrom: null,
    runUpTo: null,
    pageAfter: null,
    lastSuccessAt: clock.now(),
    lastError: null,
  });
  return summary;
}

function toVerifiedEvent(listed: unknown): VerifiedEvent {
  const id = (listed as { id?: unknown } | null)?.id;
  try {
    return { ...parseStripeEvent(JSON.stringify(listed)), source: 'catch_up' };
  } catch (error) {
    throw new StripeRefusedError(
      'stripe_bad_event',
      `Stripe listed ${typeof id === 'string' ? `event ${id}` : 'an event'} that is not a valid event (${
        error instanceof AppError ? error.message : String(error)
      }); nothing from its page was stored`,
    );
  }
}

async function createdOfEvent(stripe: Stripe, id: string, opts: CallOptions): Promise<number> {
  const event = await callStripe('events', () => stripe.events.retrieve(id), opts).catch((error: unknown) => {
    if (error instanceof StripeRefusedError && error.code === 'stripe_refused')
      throw new StripeRefusedError(
        'stripe_unknown_event',
        `Stripe has no event ${id} (events are kept 30 days; use --since YYYY-MM-DD, or stripe:reconcile for older months)`,
      );
    throw error;
  });
  return event.created;
}
