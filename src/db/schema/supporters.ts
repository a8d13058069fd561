import { integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/** Buyers, who are identified by their normalised email, and the links they have replaced. */

export const supporters = sqliteTable('supporters', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  email: text('email').notNull().unique(),
  name: text('name'),
  token: text('token').notNull().unique(),
  isSubscribed: integer('is_subscribed', { mode: 'boolean' }).notNull().default(true),
  isDeliverable: integer('is_deliverable', { mode: 'boolean' }).notNull().default(true),
  createdAt: integer('created_at').notNull(),
});

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
