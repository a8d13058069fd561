import { and, desc, eq } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { auditLog } from '../db/schema/index.js';
import { findSupporterEmailIds, listSupporterEmails, type SupporterEmail } from '../email/supporter-emails.queries.js';
import { listOrdersOfSupporter, readSupporterTotals, type SupporterOrderRow } from './supporter-data.queries.js';
import { findSupporterById, type Supporter } from './supporters.queries.js';

/** Orders and emails the console's buyer page lists; the data export has every one. */
const ORDERS_LISTED = 50;
const EMAILS_LISTED = 20;

export interface SupporterOverview {
  supporter: Supporter;
  totals: { pairs: number; trapWeeks: number };
  orderCount: number;
  /** Newest first. */
  latestOrders: SupporterOrderRow[];
  emailCount: number;
  /** Newest first. */
  latestEmails: SupporterEmail[];
  /** Who erased the buyer, when and why, from the audit log. */
  erasure: { at: number; actor: string; reason: string | null } | null;
}

/** What the console shows of one buyer: what we hold, at a glance. Undefined for an unknown id. */
export function findSupporterOverview(db: Db, supporterId: number): SupporterOverview | undefined {
  const supporter = findSupporterById(db, supporterId);
  if (!supporter) return undefined;
  const orderRows = listOrdersOfSupporter(db, supporterId);
  const emailIds = findSupporterEmailIds(
    db,
    supporterId,
    orderRows.map((o) => o.checkoutSessionId),
  );
  return {
    supporter,
    totals: readSupporterTotals(db, supporterId),
    orderCount: orderRows.length,
    latestOrders: orderRows.slice(-ORDERS_LISTED).reverse(),
    emailCount: emailIds.length,
    latestEmails: listSupporterEmails(db, emailIds.slice(-EMAILS_LISTED)).reverse(),
    erasure: supporter.erasedAt === null ? null : findErasureRecord(db, supporterId),
  };
}

function findErasureRecord(db: Db, supporterId: number): SupporterOverview['erasure'] {
  const entry = db
    .select({ at: auditLog.at, actor: auditLog.actor, after: auditLog.after })
    .from(auditLog)
    .where(and(eq(auditLog.action, 'supporter.erase'), eq(auditLog.subject, `supporter:${supporterId}`)))
    .orderBy(desc(auditLog.id))
    .limit(1)
    .get();
  if (!entry) return null;
  const after = entry.after ? (JSON.parse(entry.after) as { reason?: unknown }) : {};
  return { at: entry.at, actor: entry.actor, reason: typeof after.reason === 'string' ? after.reason : null };
}
