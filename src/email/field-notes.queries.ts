import { eq } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { fieldNotes } from '../db/schema/index.js';
import { isPeriod } from '../lib/months.js';
import { BadRequestError } from '../errors.js';

export const FIELD_NOTE_MAX_CHARS = 1000;

/**
 * Sets the note from the field for a month's impact email (YYYY-MM); an empty body removes it.
 * Emails already queued for that month keep the note they were rendered with.
 */
export function setFieldNote(db: Db, period: string, body: string, now: number): void {
  if (!isPeriod(period)) throw new BadRequestError('invalid_period', 'The month must look like 2026-10.');
  const text = body.replace(/\r\n?/g, '\n').trim();
  if (text.length > FIELD_NOTE_MAX_CHARS) {
    throw new BadRequestError(
      'field_note_too_long',
      `A field note can be at most ${FIELD_NOTE_MAX_CHARS} characters.`,
      {
        field: 'body',
      },
    );
  }
  if (!text) {
    db.delete(fieldNotes).where(eq(fieldNotes.period, period)).run();
    return;
  }
  db.insert(fieldNotes)
    .values({ period, body: text, updatedAt: now })
    .onConflictDoUpdate({ target: fieldNotes.period, set: { body: text, updatedAt: now } })
    .run();
}

export function findFieldNote(db: Db, period: string): string | null {
  return db.select({ body: fieldNotes.body }).from(fieldNotes).where(eq(fieldNotes.period, period)).get()?.body ?? null;
}
