import { sql } from 'drizzle-orm';
import { packedText } from '../packed-text.js';
import { supporters } from './supporters.js';
import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/** Email: the outbox every message goes through, and the monthly runs that completed. */

/**
 * Monthly impact runs that went through every supporter (from the schedule or the command line).
 * A month with emails queued but no row here was stopped halfway: starting the app finishes it.
 */
export const monthlyRuns = sqliteTable('monthly_runs', {
  period: text('period').primaryKey(),
  completedAt: integer('completed_at').notNull(),
});

/**
 * Every email the app sends, rendered, before it is sent: the outbox. `idempotencyKey` makes
 * queueing the same email twice a no-op (`receipt:<checkout session>`, `monthly:<YYYY-MM>:<supporter>`,
 * `link:<supporter>:<request>`); `messageId` is fixed at queueing so a resend is recognisably the same mail.
 */
export const emailOutbox = sqliteTable(
  'email_outbox',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    kind: text('kind', { enum: ['receipt', 'monthly', 'impact_link'] }).notNull(),
    idempotencyKey: text('idempotency_key').notNull().unique(),
    supporterId: integer('supporter_id').references(() => supporters.id),
    recipient: text('recipient').notNull(),
    /** Display name for the To header, already stripped of control characters. */
    recipientName: text('recipient_name'),
    subject: text('subject').notNull(),
    textBody: text('text_body').notNull(),
    /** Stored packed (deflated against our templates, see packed-text.ts); read and written as text. */
    htmlBody: packedText('html_body').notNull(),
    /** Extra headers as a JSON object (List-Unsubscribe…), validated when queued. */
    headers: text('headers'),
    /** Unique by construction (a random UUID); not indexed, which keeps bulk queueing cheap. */
    messageId: text('message_id').notNull(),
    /** queued → sending → sent; failed (a retry is due at nextAttemptAt) → sending …; dead: given up. */
    state: text('state', { enum: ['queued', 'sending', 'sent', 'failed', 'dead'] })
      .notNull()
      .default('queued'),
    attempts: integer('attempts').notNull().default(0),
    /** Sends that may or may not have been delivered (a crash or a dropped connection after the body went out). */
    unknownOutcomes: integer('unknown_outcomes').notNull().default(0),
    nextAttemptAt: integer('next_attempt_at').notNull(),
    lastError: text('last_error'),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
    sentAt: integer('sent_at'),
    /**
     * When the daily pruning (or `emails:prune`) emptied the text and HTML of this sent email; the row
     * itself stays for good.
     */
    bodyPrunedAt: integer('body_pruned_at'),
    /**
     * What the provider later said about it (src/email/feedback/): delivered, or a bounce or
     * complaint, which a later delivery notice never overwrites.
     */
    feedback: text('feedback', { enum: ['delivered', 'soft_bounce', 'hard_bounce', 'complaint'] }),
    feedbackAt: integer('feedback_at'),
  },
  (t) => [
    // Claims read due messages in order from this index alone; a plain index on state would make
    // SQLite sort every queued row (bodies and all) to find the first few.
    index('email_outbox_due')
      .on(t.nextAttemptAt)
      .where(sql`state in ('queued', 'failed')`),
    index('email_outbox_sending')
      .on(t.id)
      .where(sql`state = 'sending'`),
    // Every email not yet sent, by state: metrics and readiness count them and find the oldest due
    // from this small index alone, never reading the million sent ones.
    index('email_outbox_unsent')
      .on(t.state, t.nextAttemptAt, t.updatedAt)
      .where(sql`state <> 'sent'`),
    // Sent emails whose text is still there, oldest first: the daily pruning reads only these,
    // never the bodies of the whole table.
    index('email_outbox_prunable')
      .on(t.sentAt)
      .where(sql`state = 'sent' and body_pruned_at is null`),
    // The console's outbox list: queued order (the id) by state or kind, sent time, and the due
    // time of the unsent; a recipient's emails through their own index.
    index('email_outbox_state').on(t.state),
    index('email_outbox_kind').on(t.kind),
    index('email_outbox_recipient').on(t.recipient),
    index('email_outbox_sent_at').on(t.sentAt),
    index('email_outbox_kind_sent_at').on(t.kind, t.sentAt),
    index('email_outbox_unsent_due')
      .on(t.nextAttemptAt)
      .where(sql`state <> 'sent'`),
    index('email_outbox_unsent_state_due')
      .on(t.state, t.nextAttemptAt)
      .where(sql`state <> 'sent'`),
  ],
);
