import type { Db } from '../db/client.js';
import { queueImpactLinkEmail, type Mailer } from '../email/mailer.js';
import { normaliseEmail } from '../lib/email-address.js';
import { findSupporterByEmail } from './supporters.queries.js';

export type ImpactLinkRequest = 'queued' | 'already_queued' | 'unknown_address' | 'undeliverable';

/**
 * Puts "here is your impact link" in the outbox for an address, if we know it; `requestKey` (the
 * request id) makes a retried request queue it once. The caller must give the person the same
 * answer whatever this returns: the result is for logs and tests only.
 */
export function requestImpactLink(db: Db, mailer: Mailer, rawEmail: string, requestKey: string): ImpactLinkRequest {
  const email = normaliseEmail(rawEmail);
  const supporter = email ? findSupporterByEmail(db, email) : undefined;
  if (!supporter) return 'unknown_address';
  if (!supporter.isDeliverable) return 'undeliverable'; // hard-bounced: sending again only hurts our sender reputation
  return queueImpactLinkEmail(db, mailer, supporter, requestKey) ? 'queued' : 'already_queued';
}
