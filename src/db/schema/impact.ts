import { sql } from 'drizzle-orm';
import { integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/** What the charity tells buyers: leopard censuses, and a monthly note from the field. */

export const censuses = sqliteTable('censuses', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  countedOn: text('counted_on').notNull(),
  adults: integer('adults').notNull(),
  adolescents: integer('adolescents').notNull(),
  cubs: integer('cubs').notNull(),
  /**
   * False for a head count only (the founding estimate, say): the total is in `adults`, and
   * adolescents and cubs were not recorded.
   */
  hasBreakdown: integer('has_breakdown', { mode: 'boolean' }).notNull().default(true),
  source: text('source').notNull(),
  note: text('note'),
  publishedAt: integer('published_at'),
  createdAt: integer('created_at')
    .notNull()
    .default(sql`(unixepoch() * 1000)`),
});

/** A short note from the field that staff can set for a month's impact email. */
export const fieldNotes = sqliteTable('field_notes', {
  period: text('period').primaryKey(),
  body: text('body').notNull(),
  updatedAt: integer('updated_at').notNull(),
});
