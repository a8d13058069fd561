import { eq } from 'drizzle-orm';
import type { DbOrTx } from '../db/client.js';
import { supporters } from '../db/schema.js';
import { findSupporterByRetiredToken, findSupporterByToken, rotateSupporterToken, type Supporter } from './supporters.queries.js';

/**
 * Sets whether the supporter behind a private link gets the monthly impact email. Setting the
 * value it already has changes nothing, so a double-clicked button cannot undo itself.
 * Returns false for an unknown token.
 */
export function setMonthlyEmail(db: DbOrTx, token: string, wantsEmail: boolean): boolean {
  const supporter = findSupporterByToken(db, token);
  if (!supporter) return false;
  setSubscribed(db, supporter, wantsEmail);
  return true;
}

/** Whose unsubscribe link this is: a current link, or one the supporter has since replaced. */
export interface UnsubscribeLink {
  supporter: Supporter;
  isReplaced: boolean;
}

export function findUnsubscribeLink(db: DbOrTx, token: string): UnsubscribeLink | undefined {
  const current = findSupporterByToken(db, token);
  if (current) return { supporter: current, isReplaced: false };
  const retired = findSupporterByRetiredToken(db, token);
  return retired ? { supporter: retired, isReplaced: true } : undefined;
}

/**
 * Unsubscribes the supporter behind an unsubscribe link, current or replaced: a link in an old
 * email must keep working (RFC 8058), even though it opens nothing else. Returns the link, or
 * undefined for a token nobody ever had.
 */
export function unsubscribeByLink(db: DbOrTx, token: string): UnsubscribeLink | undefined {
  const link = findUnsubscribeLink(db, token);
  if (link) setSubscribed(db, link.supporter, false);
  return link;
}

function setSubscribed(db: DbOrTx, supporter: Supporter, wantsEmail: boolean): void {
  if (supporter.isSubscribed !== wantsEmail) {
    db.update(supporters).set({ isSubscribed: wantsEmail }).where(eq(supporters.id, supporter.id)).run();
  }
}

/**
 * Gives the supporter behind a private link a new link; the old one stops working at once (but
 * still unsubscribes). Returns the new token, or undefined for an unknown token.
 */
export function replaceSupporterLink(db: DbOrTx, token: string, now: number): string | undefined {
  const supporter = findSupporterByToken(db, token);
  if (!supporter) return undefined;
  return rotateSupporterToken(db, supporter, now);
}
