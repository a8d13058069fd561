import { sql } from 'drizzle-orm';
import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/** Buyers, who are identified by their normalised email, and the links they have replaced. */

export const supporters = sqliteTable(
  'supporters',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    email: text('email').notNull().unique(),
    name: text('name'),
    token: text('token').notNull().unique(),
    isSubscribed: integer('is_subscribed', { mode: 'boolean' }).notNull().default(true),
    isDeliverable: integer('is_deliverable', { mode: 'boolean' }).notNull().default(true),
    createdAt: integer('created_at').notNull(),
    /**
     * When staff last made the address deliverable again: bounces that occurred before it (arriving
     * late) are recorded and no longer count against the address.
     */
    bouncesResetAt: integer('bounces_reset_at'),
    /**
     * When staff erased this buyer on request: email, name and tokens are gone (the email column holds
     * `erased-<id>@erased.invalid`), and the ledger keeps their amounts under "erased supporter #id".
     */
    erasedAt: integer('erased_at'),
    /**
     * When they last stopped the monthly email (their link, or a complaint); null while subscribed.
     * Unsubscribes from before this column existed have none, unless a complaint notice dates them.
     */
    unsubscribedAt: integer('unsubscribed_at'),
  },
  // The unsubscribed alone, by when: the dashboard counts them per month from this small index.
  (t) => [
    index('supporters_unsubscribed')
      .on(t.unsubscribedAt, t.erasedAt)
      .where(sql`is_subscribed = 0`),
  ],
);

/**
 * One-way hashes of erased buyers' addresses (src/supporters/erase-supporter.ts): anything dated
 * before the erasure that names the address again (a replayed or late event) is credited to the
 * erased record, never to a re-created person. A purchase made after the erasure starts afresh.
 */
export const erasedEmails = sqliteTable(
  'erased_emails',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    emailHash: text('email_hash').notNull(),
    supporterId: integer('supporter_id')
      .notNull()
      .references(() => supporters.id),
    erasedAt: integer('erased_at').notNull(),
  },
  (t) => [index('erased_emails_hash').on(t.emailHash, t.erasedAt)],
);

/**
 * Links a supporter has replaced. An old token opens nothing any more, except the one thing an old
 * email must always be able to do: unsubscribe (RFC 8058 links stay in inboxes for years).
 */
export const retiredTokens = sqliteTable('retired_tokens', {
  token: text('token').primaryKey(),
  supporterId: integer('supporter_id')
    .notNull()
    .references(() => supporters.id),
  retiredAt: integer('retired_at').notNull(),
});
