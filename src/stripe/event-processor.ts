import { setImmediate as yieldToEventLoop, setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'drizzle-orm';
import type { Db, Tx } from '../db/client.js';
import { TemporaryError } from '../errors.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import { markEventDone, markEventFailedAttempt, selectReadyEvents, type StoredEvent } from './events.queries.js';
import { dataObjectOf, handlerFor, type Prepared, type ProcessingHooks } from './event-handlers.js';
import type { LineItemSource } from './line-items.js';
import { BadEventError } from './stripe-objects.js';

const BATCH = 200;
/**
 * Longest stretch (wall-clock ms) processing holds the event loop before letting waiting requests
 * in: webhooks share this thread, and Stripe wants its 2xx fast even while a backlog is worked off.
 */
const SLICE_MS = 10;
/**
 * While webhooks keep arriving (one in the last BUSY_WINDOW_MS), acknowledging them comes first:
 * processing takes short slices with a rest between them, about a twentieth of the thread, and
 * catches up at full speed once the burst is over (about 1,000 purchases a second). The events
 * wait on disk meanwhile, so nothing is lost, and processing never stops altogether.
 */
const BUSY_WINDOW_MS = 50;
const SLICE_UNDER_LOAD_MS = 1;
const REST_UNDER_LOAD_MS = 20;
/** Backoff after a failed attempt: 10 s, 20 s, 40 s … capped at an hour; 24 attempts span about a day. */
export const MAX_ATTEMPTS = 24;
export function retryDelayMs(attempts: number): number {
  return Math.min(10_000 * 2 ** Math.max(0, attempts - 1), 3_600_000);
}

type Outcome = { event: StoredEvent; apply: Prepared | null } | { event: StoredEvent; error: unknown };

/**
 * Works through stored events: never more than one pass at a time, many events per transaction (one
 * fsync for many), each event inside its own savepoint so one bad event spoils nothing else, and in
 * slices of about SLICE_MS so requests are not kept waiting behind a backlog.
 */
export class EventProcessor {
  private running: Promise<void> | null = null;
  private isWakeRequested = false;
  private timer: NodeJS.Timeout | null = null;
  private isStopped = true;
  private lastArrivalAt = -Infinity;

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly lineItems: LineItemSource,
    private readonly hooks: ProcessingHooks = {},
  ) {}

  /** Starts background processing: on wake-ups and on a timer for retries that come due. */
  start(pollMs = 1000): void {
    this.isStopped = false;
    this.timer = setInterval(() => this.wake(), pollMs);
    this.timer.unref();
    this.wake();
  }

  /** Stops taking new work and waits for the pass in flight to finish. */
  async stop(): Promise<void> {
    this.isStopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }

  wake(): void {
    if (this.isStopped) return;
    if (this.running) {
      this.isWakeRequested = true;
      return;
    }
    void this.drain().catch((error) => this.logger.error('event processing pass failed', { error }));
  }

  /** A webhook was just stored: process it soon, and give the webhooks still coming the thread first. */
  eventArrived(): void {
    this.lastArrivalAt = performance.now();
    this.wake();
  }

  private isUnderLoad(): boolean {
    return performance.now() - this.lastArrivalAt < BUSY_WINDOW_MS;
  }

  private sliceMs(): number {
    return this.isUnderLoad() ? SLICE_UNDER_LOAD_MS : SLICE_MS;
  }

  /** Between slices: a turn of the event loop, or a rest while webhooks are arriving. */
  private pause(): Promise<unknown> {
    return this.isUnderLoad() ? sleep(REST_UNDER_LOAD_MS) : yieldToEventLoop();
  }

  /** Processes every event that is due now; resolves when none is left. */
  drain(): Promise<void> {
    if (this.running) return this.running.then(() => this.drain());
    this.running = (async () => {
      try {
        do {
          this.isWakeRequested = false;
          while ((await this.processBatch()) > 0) {
            /* keep going while there is work */
          }
        } while (this.isWakeRequested && !this.isStopped);
      } finally {
        this.running = null;
      }
    })();
    return this.running;
  }

  private async processBatch(): Promise<number> {
    const events = selectReadyEvents(this.db, this.clock.now(), BATCH);
    if (events.length === 0) return 0;
    const outcomes: Outcome[] = [];
    let sliceStartedAt = performance.now();
    for (const event of events) {
      outcomes.push(await this.prepare(event));
      // Awaiting a settled promise does not let I/O in; a macrotask turn does.
      if (performance.now() - sliceStartedAt >= this.sliceMs()) {
        await this.pause();
        sliceStartedAt = performance.now();
      }
    }
    let next = 0;
    while (next < outcomes.length) {
      if (next > 0) await this.pause();
      next = this.applySlice(outcomes, next);
    }
    return events.length;
  }

  /** Applies outcomes from `start` in one transaction, stopping once a slice's time has passed; returns where it stopped. */
  private applySlice(outcomes: Outcome[], start: number): number {
    const startedAt = performance.now();
    const sliceMs = this.sliceMs();
    let next = start;
    // Processing commits skip the fsync: the events are already durable, and processing is
    // idempotent, so a commit lost to a power cut only leaves its events pending, to be redone.
    // The next full commit (any webhook) makes it durable anyway. Webhook commits stay FULL.
    this.db.run(sql`pragma synchronous = NORMAL`);
    try {
      this.db.transaction(
        (tx) => {
          do {
            this.applyOutcome(tx, outcomes[next]!);
            next++;
          } while (next < outcomes.length && performance.now() - startedAt < sliceMs);
        },
        { behavior: 'immediate' },
      );
    } finally {
      this.db.run(sql`pragma synchronous = FULL`);
    }
    return next;
  }

  private applyOutcome(tx: Tx, outcome: Outcome): void {
    const now = this.clock.now();
    if ('error' in outcome) {
      this.recordFailure(tx, outcome.event, outcome.error, now);
      return;
    }
    const { event, apply } = outcome;
    if (!apply) {
      markEventDone(tx, event.id, 'ignored', now);
      return;
    }
    try {
      tx.transaction((sp) => {
        apply(sp, { occurredAt: event.stripeCreated * 1000, recordedAt: now, eventId: event.id });
        markEventDone(sp, event.id, 'processed', now);
      });
    } catch (error) {
      this.recordFailure(tx, event, error, now);
    }
  }

  private async prepare(event: StoredEvent): Promise<Outcome> {
    const handler = handlerFor(event.type);
    if (!handler) return { event, apply: null };
    try {
      return { event, apply: await handler.prepare(dataObjectOf(event.payload), event.type, this.db, this.lineItems, this.hooks) };
    } catch (error) {
      return { event, error };
    }
  }

  private recordFailure(tx: Parameters<Parameters<Db['transaction']>[0]>[0], event: StoredEvent, error: unknown, now: number): void {
    const attempts = event.attempts + 1;
    const isPermanent = error instanceof BadEventError || attempts >= MAX_ATTEMPTS;
    const message = error instanceof Error ? error.message : String(error);
    markEventFailedAttempt(tx, event.id, isPermanent ? 'failed' : 'retrying', message, now + retryDelayMs(attempts));
    const level = !isPermanent && error instanceof TemporaryError ? 'warn' : 'error';
    this.logger[level](isPermanent ? 'stripe event failed; replay it once the cause is fixed' : 'stripe event will be retried', {
      eventId: event.id,
      type: event.type,
      attempts,
      error: message,
    });
  }
}
