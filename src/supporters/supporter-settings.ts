import { eq } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { supporters } from '../db/schema/index.js';
import { queueImpactLinkEmail, type Mailer } from '../email/mailer.js';
import {
  findRetiredToken,
  findSupporterByRetiredToken,
  findSupporterByToken,
  maskEmail,
  rotateSupporterToken,
  type Supporter,
} from './supporters.queries.js';

/**
 * Sets whether the supporter behind a private link gets the monthly impact email. Setting the
 * value it already has changes nothing, so a double-clicked button cannot undo itself (nor move
 * when they unsubscribed). Returns false for an unknown token.
 */
export function setMonthlyEmail(db: Db, token: string, wantsEmail: boolean, now: number): boolean {
  const supporter = findSupporterByToken(db, token);
  if (!supporter) return false;
  setSubscribed(db, supporter, wantsEmail, now);
  return true;
}

/** Whose unsubscribe link this is: a current link, or one the supporter has since replaced. */
export interface UnsubscribeLink {
  supporter: Supporter;
  isReplaced: boolean;
}

export function findUnsubscribeLink(db: Db, token: string): UnsubscribeLink | undefined {
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
export function unsubscribeByLink(db: Db, token: string, now: number): UnsubscribeLink | undefined {
  const link = findUnsubscribeLink(db, token);
  if (link) setSubscribed(db, link.supporter, false, now);
  return link;
}

/** Dated as it happens, so the dashboard counts each unsubscribe in its month. */
function setSubscribed(db: Db, supporter: Supporter, wantsEmail: boolean, now: number): void {
  if (supporter.isSubscribed !== wantsEmail) {
    db.update(supporters)
      .set({ isSubscribed: wantsEmail, unsubscribedAt: wantsEmail ? null : now })
      .where(eq(supporters.id, supporter.id))
      .run();
  }
}

/** How long after a link is replaced a press of its button still counts as the same press. */
export const REPLACED_LINK_GRACE_MS = 10 * 60_000;

export type LinkReplacement =
  | { kind: 'replaced'; token: string }
  /**
   * The link was replaced moments ago: a double-click, or a second tab. The new link is not shown
   * to whoever holds the old one; it goes to the supporter's inbox instead (once, however often
   * the old button is pressed), unless their address bounces.
   */
  | { kind: 'already_replaced'; maskedEmail: string; isEmailed: boolean };

/**
 * Gives the supporter behind a private link a new link; the old one stops working at once (but
 * still unsubscribes). Undefined for an unknown token, or one replaced longer ago than the grace.
 */
export function replaceSupporterLink(db: Db, mailer: Mailer, token: string, now: number): LinkReplacement | undefined {
  const supporter = findSupporterByToken(db, token);
  if (supporter) return { kind: 'replaced', token: rotateSupporterToken(db, supporter, now) };
  const retired = findRetiredToken(db, token);
  if (!retired || now - retired.retiredAt > REPLACED_LINK_GRACE_MS) return undefined;
  const isEmailed = retired.supporter.isDeliverable;
  if (isEmailed) queueImpactLinkEmail(db, mailer, retired.supporter, `replaced:${retired.retiredAt}`);
  return { kind: 'already_replaced', maskedEmail: maskEmail(retired.supporter.email), isEmailed };
}
