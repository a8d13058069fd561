import { sql } from 'drizzle-orm';
import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/** What Stripe sent us: every webhook event, stored verbatim before it is processed. */

export const stripeEvents = sqliteTable(
  'stripe_events',
  {
    id: text('id').primaryKey(),
    type: text('type').notNull(),
    apiVersion: text('api_version'),
    livemode: integer('livemode', { mode: 'boolean' }).notNull().default(false),
    /** Stripe's `event.created`, in seconds: orders competing states of one object. */
    stripeCreated: integer('stripe_created').notNull(),
    payload: text('payload').notNull(),
    /** pending → processed | ignored | retrying → failed; staff can replay any of them. */
    status: text('status', { enum: ['pending', 'processed', 'ignored', 'retrying', 'failed'] })
      .notNull()
      .default('pending'),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: integer('next_attempt_at').notNull(),
    lastError: text('last_error'),
    receivedAt: integer('received_at').notNull(),
    processedAt: integer('processed_at'),
    /**
     * How the event reached us first: a webhook, the catch-up from Stripe's Events API (a delivery
     * Stripe failed to make), or a month check that found the object missing.
     */
    source: text('source', { enum: ['webhook', 'catch_up', 'month_check'] })
      .notNull()
      .default('webhook'),
  },
  (t) => [
    // The dashboard's webhook health: the latest event and the count by how it arrived.
    index('stripe_events_source').on(t.source, t.receivedAt),
    index('stripe_events_ready').on(t.status, t.nextAttemptAt),
    // The console's event list, sorted by received or Stripe's created time, alone or after a
    // status or a type; the rowid is the tiebreak.
    index('stripe_events_received').on(t.receivedAt),
    index('stripe_events_created').on(t.stripeCreated),
    index('stripe_events_status_received').on(t.status, t.receivedAt),
    index('stripe_events_status_created').on(t.status, t.stripeCreated),
    index('stripe_events_type_received').on(t.type, t.receivedAt),
    index('stripe_events_type_created').on(t.type, t.stripeCreated),
    // The staff console finds the events behind an order by the ids inside their payloads.
    index('stripe_events_object').on(sql`json_extract(${t.payload}, '$.data.object.id')`),
    index('stripe_events_payment_intent').on(sql`json_extract(${t.payload}, '$.data.object.payment_intent')`),
  ],
);

/**
 * How far the catch-up from Stripe's Events API has got. `reachedCreated` (Stripe seconds) is where
 * the next run starts, less an overlap; while a run is under way, `runFrom` and `pageAfter` (the last
 * event of the last stored page) let a run cut short by a crash carry on where it stopped.
 */
export const stripeSyncState = sqliteTable('stripe_sync_state', {
  id: integer('id').primaryKey(),
  reachedCreated: integer('reached_created'),
  runFrom: integer('run_from'),
  runUpTo: integer('run_up_to'),
  pageAfter: text('page_after'),
  lastRunAt: integer('last_run_at'),
  lastSuccessAt: integer('last_success_at'),
  lastError: text('last_error'),
  /** When a run last stored an event no webhook had delivered. */
  lastFoundNewAt: integer('last_found_new_at'),
});
