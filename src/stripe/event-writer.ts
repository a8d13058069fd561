import { transaction, type Db } from '../db/client.js';
import type { Clock } from '../lib/clock.js';
import { GroupCommit } from '../lib/group-commit.js';
import { insertEventsIfNew } from './events.queries.js';
import type { VerifiedEvent } from './verify-event.js';

/**
 * Group commit for incoming webhooks: deliveries that arrive together are written in one
 * transaction, so one fsync covers many events. A promise resolves only after its commit, so a
 * 2xx still means "on disk".
 */
export class EventWriter {
  private readonly writer: GroupCommit<VerifiedEvent, boolean>;

  constructor(db: Db, clock: Clock) {
    this.writer = new GroupCommit((events) => {
      const inserted = transaction(db, (tx) => insertEventsIfNew(tx, events, clock.now()), 'immediate');
      // The same id twice in one batch: only the first caller may claim it is new.
      return events.map((event) => inserted.delete(event.id));
    });
  }

  /** Resolves true when the event is new, false for a redelivery. */
  store(event: VerifiedEvent): Promise<boolean> {
    return this.writer.submit(event);
  }
}
