import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { emailOutbox } from './email.js';
import { supporters } from './supporters.js';

/**
 * What mail providers tell us after the relay accepted a message: bounces, complaints and
 * deliveries, posted to /webhooks/email/:provider (src/email/feedback/).
 */

/**
 * One row per notification and recipient, stored by the provider's own id before it is acted on:
 * the unique key is the dedupe, so a provider's redelivery changes nothing. `effect` says what it
 * did; `unmatched` ones (a message we never sent) are kept for staff and change nothing.
 */
export const emailNotifications = sqliteTable(
  'email_notifications',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    provider: text('provider', { enum: ['ses', 'postmark', 'generic'] }).notNull(),
    /** The provider's id of the notification (SNS MessageId, Postmark ID, the generic body's id). */
    providerId: text('provider_id').notNull(),
    /** Normalised (trimmed, lower-cased) address the notification is about. */
    recipient: text('recipient').notNull(),
    type: text('type', { enum: ['hard_bounce', 'soft_bounce', 'complaint', 'delivery'] }).notNull(),
    /** Our Message-ID, when the provider passed it on. */
    messageId: text('message_id'),
    /** The outbox row it is about (by Message-ID, else by address and time); null when unmatched. */
    outboxId: integer('outbox_id').references(() => emailOutbox.id),
    supporterId: integer('supporter_id').references(() => supporters.id),
    /** Which send it belongs to: `monthly:YYYY-MM` (a run), `receipt:YYYY-MM` (month sent), `impact_link:YYYY-MM`; null when unmatched. */
    sendKey: text('send_key'),
    occurredAt: integer('occurred_at').notNull(),
    receivedAt: integer('received_at').notNull(),
    /** The provider's short explanation (a diagnostic code, a feedback type), at most 500 characters. */
    detail: text('detail'),
    effect: text('effect', {
      enum: ['undeliverable', 'soft_counted', 'unsubscribed', 'recorded', 'unmatched', 'before_reset'],
    }).notNull(),
  },
  (t) => [
    uniqueIndex('email_notifications_provider_id').on(t.provider, t.providerId, t.recipient),
    // An address's history, and the soft bounces inside a window.
    index('email_notifications_recipient').on(t.recipient, t.occurredAt),
    index('email_notifications_occurred').on(t.occurredAt),
    // Bounces per month without reading the (far more numerous) delivery notices.
    index('email_notifications_type').on(t.type, t.occurredAt),
  ],
);

/**
 * Emails handed to the relay per month (UTC, by when they were sent) and kind: the denominators of
 * bounce and complaint rates, counted as the outbox records each send, so no page counts the outbox.
 */
export const emailSentCounts = sqliteTable(
  'email_sent_counts',
  {
    period: text('period').notNull(),
    kind: text('kind', { enum: ['receipt', 'monthly', 'impact_link'] }).notNull(),
    sent: integer('sent').notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.period, t.kind] })],
);
