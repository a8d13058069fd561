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
  },
  (t) => [
    index('stripe_events_ready').on(t.status, t.nextAttemptAt),
    // The staff console finds the events behind an order by the ids inside their payloads.
    index('stripe_events_object').on(sql`json_extract(${t.payload}, '$.data.object.id')`),
    index('stripe_events_payment_intent').on(sql`json_extract(${t.payload}, '$.data.object.payment_intent')`),
  ],
);
