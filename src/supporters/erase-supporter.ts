import { eq } from 'drizzle-orm';
import { transaction, type Db } from '../db/client.js';
import { erasedEmails, retiredTokens, supporters } from '../db/schema/index.js';
import { emptySupporterEmails, findSupporterEmailIds } from '../email/supporter-emails.queries.js';
import { forgetNotificationAddress } from '../email/feedback/email-notifications.queries.js';
import { normaliseEmail } from '../lib/email-address.js';
import { recordAudit, type Actor } from '../staff/audit-log.js';
import { forgetPersonalFieldsOfEvents } from '../stripe/event-copies.queries.js';
import { listOrdersOfSupporter, listPaymentRecords, stripeRefsOf } from './supporter-data.queries.js';
import {
  erasedEmailHash,
  erasedPlaceholderEmail,
  findSupporterById,
  newSupporterToken,
  type Supporter,
} from './supporters.queries.js';
import { BadRequestError, ConflictError, NotFoundError } from '../errors.js';

export interface ErasureRequest {
  supporterId: number;
  /** Why, in the requester's words: it goes into the audit log. */
  reason: string;
  /** The buyer's address as whoever erases typed it: a second look, so nobody erases the wrong buyer. */
  confirmEmail: string;
}

export interface ErasureSummary {
  supporterId: number;
  orders: number;
  emailsEmptied: number;
  stripeEventsCleaned: number;
}

const REASON_MAX = 500;

/**
 * Erases a buyer on request, in one transaction, audited: their email, name and links go (the row
 * stays as "erased supporter #id", so the ledger keeps every amount and pair and nothing it sums
 * moves), their emails in the outbox are emptied and any still waiting never go, the stored Stripe
 * events about their orders lose their personal fields, and a one-way hash of the address is kept
 * so nothing dated before now can bring them back. Erasing an erased buyer changes nothing.
 */
export function eraseSupporter(db: Db, request: ErasureRequest, actor: Actor, now: number): ErasureSummary {
  const reason = request.reason.trim();
  if (!reason)
    throw new BadRequestError('reason_required', 'Say why this buyer is being erased (their request, say).', {
      field: 'reason',
    });
  if (reason.length > REASON_MAX)
    throw new BadRequestError('reason_too_long', `Keep the reason under ${REASON_MAX} characters.`, {
      field: 'reason',
    });
  return transaction(
    db,
    (tx) => {
      const supporter = findSupporterById(tx, request.supporterId);
      if (!supporter) throw new NotFoundError('not_found', 'There is no such buyer.');
      if (supporter.erasedAt !== null)
        throw new ConflictError('already_erased', `Supporter #${supporter.id} was erased already; nothing changed.`);
      if (normaliseEmail(request.confirmEmail) !== supporter.email)
        throw new BadRequestError('confirmation_mismatch', "Type the buyer's email address exactly to confirm.", {
          field: 'confirmEmail',
        });
      const summary = forget(tx, supporter, now);
      // Who, when and why, and what was done: never the address itself.
      const after = { erasedAt: now, reason, ...summary };
      recordAudit(tx, actor, now, 'supporter.erase', `supporter:${supporter.id}`, { erasedAt: null }, after);
      return summary;
    },
    'immediate',
  );
}

/** The erasure's writes, in the caller's transaction. */
function forget(tx: Db, supporter: Supporter, now: number): ErasureSummary {
  const orderRows = listOrdersOfSupporter(tx, supporter.id);
  const sessionIds = orderRows.map((o) => o.checkoutSessionId);
  const emailIds = findSupporterEmailIds(tx, supporter.id, sessionIds);
  const payments = listPaymentRecords(
    tx,
    orderRows.flatMap((o) => (o.paymentIntentId ? [o.paymentIntentId] : [])),
  );
  const placeholder = erasedPlaceholderEmail(supporter.id);
  tx.insert(erasedEmails)
    .values({ emailHash: erasedEmailHash(supporter.email), supporterId: supporter.id, erasedAt: now })
    .run();
  // A fresh token nobody is ever shown: the column must hold a unique value, and no old link may match it.
  tx.update(supporters)
    .set({ email: placeholder, name: null, token: newSupporterToken(), isSubscribed: false, erasedAt: now })
    .where(eq(supporters.id, supporter.id))
    .run();
  tx.delete(retiredTokens).where(eq(retiredTokens.supporterId, supporter.id)).run();
  forgetNotificationAddress(tx, supporter.email, placeholder);
  return {
    supporterId: supporter.id,
    orders: orderRows.length,
    emailsEmptied: emptySupporterEmails(tx, emailIds, placeholder, now),
    stripeEventsCleaned: forgetPersonalFieldsOfEvents(tx, stripeRefsOf(orderRows, payments)),
  };
}
