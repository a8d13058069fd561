import { eq } from 'drizzle-orm';
import type { DbOrTx } from '../db/client.js';
import { supporters } from '../db/schema.js';
import { findSupporterByToken, rotateSupporterToken } from './supporters.queries.js';

/**
 * Sets whether the supporter behind a private link gets the monthly impact email. Setting the
 * value it already has changes nothing, so a double-clicked button cannot undo itself.
 * Returns false for an unknown token.
 */
export function setMonthlyEmail(db: DbOrTx, token: string, wantsEmail: boolean): boolean {
  const supporter = findSupporterByToken(db, token);
  if (!supporter) return false;
  if (supporter.isSubscribed !== wantsEmail) {
    db.update(supporters).set({ isSubscribed: wantsEmail }).where(eq(supporters.id, supporter.id)).run();
  }
  return true;
}

/**
 * Gives the supporter behind a private link a new link; the old one stops working at once.
 * Returns the new token, or undefined for an unknown token.
 */
export function replaceSupporterLink(db: DbOrTx, token: string): string | undefined {
  const supporter = findSupporterByToken(db, token);
  if (!supporter) return undefined;
  return rotateSupporterToken(db, supporter.id);
}
