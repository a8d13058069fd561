import { transaction, type Db } from '../db/client.js';
import type { Clock } from '../lib/clock.js';
import { insertEventsIfNew } from './events.queries.js';
import type { VerifiedEvent } from './verify-event.js';

/** Deliveries written in one transaction at most. */
const MAX_BATCH = 500;

interface Waiting {
  event: VerifiedEvent;
  resolve: (isNew: boolean) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit for incoming webhooks: deliveries that arrive together are written in one
 * transaction, so one fsync covers many events. A promise resolves only after its commit, so a
 * 2xx still means "on disk".
 */
export class EventWriter {
  private waiting: Waiting[] = [];
  private isScheduled = false;

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {}

  /** Resolves true when the event is new, false for a redelivery. */
  store(event: VerifiedEvent): Promise<boolean> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ event, resolve, reject });
      if (!this.isScheduled) {
        this.isScheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    const batch = this.waiting.splice(0, MAX_BATCH);
    this.isScheduled = this.waiting.length > 0;
    if (this.isScheduled) setImmediate(() => this.flush());
    try {
      const inserted = transaction(
        this.db,
        (tx) =>
          insertEventsIfNew(
            tx,
            batch.map((w) => w.event),
            this.clock.now(),
          ),
        'immediate',
      );
      // The same id twice in one batch: only the first caller may claim it is new.
      for (const w of batch) {
        const isNew = inserted.delete(w.event.id);
        w.resolve(isNew);
      }
    } catch (error) {
      for (const w of batch) w.reject(error);
    }
  }
}
