import { transaction, withRelaxedDurability, type Db } from '../db/client.js';
import { BackgroundLoop } from '../lib/background-loop.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import { markEventDone, markEventFailedAttempt, selectReadyEvents, type StoredEvent } from './events.queries.js';
import { dataObjectOf, handlerFor, type Prepared, type ProcessingHooks } from './event-handlers.js';
import type { LineItemSource } from './line-items.js';
import { WebhookPressure } from './webhook-pressure.js';
import { BadEventError, TemporaryError } from '../errors.js';

const BATCH = 200;
/** Backoff after a failed attempt: 10 s, 20 s, 40 s … capped at an hour; 24 attempts span about a day. */
export const EVENT_MAX_ATTEMPTS = 24;
export function eventRetryDelayMs(attempts: number): number {
  return Math.min(10_000 * 2 ** Math.max(0, attempts - 1), 3_600_000);
}

type Outcome = { event: StoredEvent; apply: Prepared | null } | { event: StoredEvent; error: unknown };

/**
 * Works through stored events: never more than one pass at a time, many events per transaction (one
 * fsync for many), each event inside its own savepoint so one bad event spoils nothing else, and in
 * slices (see WebhookPressure) so requests are not kept waiting behind a backlog.
 */
export class EventProcessor {
  private readonly loop: BackgroundLoop;
  private readonly pressure = new WebhookPressure();

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly lineItems: LineItemSource,
    private readonly hooks: ProcessingHooks = {},
    /** Told of every event worked on (the metrics count them); called inside the transaction. */
    private readonly onOutcome: (
      type: string,
      outcome: 'processed' | 'ignored' | 'retrying' | 'failed',
    ) => void = () => {},
  ) {
    this.loop = new BackgroundLoop('event processing', () => this.processDue(), logger, { everyMs: 1000 });
  }

  /** Starts background processing: on wake-ups, and every second for retries that come due. */
  start(): void {
    this.loop.start();
  }

  /** Stops taking new work and waits for the pass in flight to finish. */
  stop(): Promise<void> {
    return this.loop.stop();
  }

  /** Asks for a pass soon (an event was re-queued, say). */
  wake(): void {
    this.loop.wake();
  }

  /** A webhook was just stored: process it soon, and give the webhooks still coming the thread first. */
  eventArrived(): void {
    this.pressure.noteArrival();
    this.loop.wake();
  }

  /** Processes every event that is due now; resolves when none is left. */
  drain(): Promise<void> {
    return this.loop.drain();
  }

  private async processDue(): Promise<void> {
    while ((await this.processBatch()) > 0) {
      /* keep going while there is work */
    }
  }

  private async processBatch(): Promise<number> {
    const events = selectReadyEvents(this.db, this.clock.now(), BATCH);
    if (events.length === 0) return 0;
    const outcomes: Outcome[] = [];
    let sliceStartedAt = performance.now();
    for (const event of events) {
      outcomes.push(await this.prepare(event));
      // Awaiting a settled promise does not let I/O in; a macrotask turn does.
      if (performance.now() - sliceStartedAt >= this.pressure.sliceMs()) {
        await this.pressure.pause();
        sliceStartedAt = performance.now();
      }
    }
    let next = 0;
    while (next < outcomes.length) {
      if (next > 0) await this.pressure.pause();
      next = this.applySlice(outcomes, next);
    }
    return events.length;
  }

  /**
   * Applies outcomes from `start` in one transaction, stopping once a slice's time has passed; returns
   * where it stopped.
   */
  private applySlice(outcomes: Outcome[], start: number): number {
    const startedAt = performance.now();
    const sliceMs = this.pressure.sliceMs();
    let next = start;
    // Processing commits skip the fsync: the events are already durable, and processing is
    // idempotent, so a commit lost to a power cut only leaves its events pending, to be redone.
    // The next full commit (any webhook) makes it durable anyway. Webhook commits stay FULL.
    withRelaxedDurability(this.db, () =>
      transaction(
        this.db,
        (tx) => {
          do {
            this.applyOutcome(tx, outcomes[next]!);
            next++;
          } while (next < outcomes.length && performance.now() - startedAt < sliceMs);
        },
        'immediate',
      ),
    );
    return next;
  }

  private applyOutcome(tx: Db, outcome: Outcome): void {
    const now = this.clock.now();
    if ('error' in outcome) {
      this.recordFailure(tx, outcome.event, outcome.error, now);
      return;
    }
    const { event, apply } = outcome;
    if (!apply) {
      markEventDone(tx, event.id, 'ignored', now);
      this.onOutcome(event.type, 'ignored');
      return;
    }
    try {
      transaction(tx, (sp) => {
        apply(sp, { occurredAt: event.stripeCreated * 1000, recordedAt: now, eventId: event.id });
        markEventDone(sp, event.id, 'processed', now);
      });
      this.onOutcome(event.type, 'processed');
    } catch (error) {
      this.recordFailure(tx, event, error, now);
    }
  }

  private async prepare(event: StoredEvent): Promise<Outcome> {
    const handler = handlerFor(event.type);
    if (!handler) return { event, apply: null };
    try {
      return {
        event,
        apply: await handler.prepare(dataObjectOf(event.payload), event.type, this.db, this.lineItems, this.hooks),
      };
    } catch (error) {
      return { event, error };
    }
  }

  private recordFailure(tx: Db, event: StoredEvent, error: unknown, now: number): void {
    const attempts = event.attempts + 1;
    const isPermanent = error instanceof BadEventError || attempts >= EVENT_MAX_ATTEMPTS;
    const message = error instanceof Error ? error.message : String(error);
    markEventFailedAttempt(
      tx,
      event.id,
      isPermanent ? 'failed' : 'retrying',
      message,
      now + eventRetryDelayMs(attempts),
    );
    this.onOutcome(event.type, isPermanent ? 'failed' : 'retrying');
    const level = !isPermanent && error instanceof TemporaryError ? 'warn' : 'error';
    this.logger[level](
      isPermanent ? 'stripe event failed; replay it once the cause is fixed' : 'stripe event will be retried',
      {
        eventId: event.id,
        type: event.type,
        attempts,
        error: message,
      },
    );
  }
}
