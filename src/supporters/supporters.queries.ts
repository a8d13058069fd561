import { createHash, randomBytes } from 'node:crypto';
import { and, asc, desc, eq, getTableColumns, gt, isNull, sql } from 'drizzle-orm';
import { param, prepared, transaction, type Db } from '../db/client.js';
import { erasedEmails, retiredTokens, supporters } from '../db/schema/index.js';

export type Supporter = typeof supporters.$inferSelect;

/** 192 random bits, URL-safe: unguessable, and short enough for an email link. */
export function newSupporterToken(): string {
  return randomBytes(24).toString('base64url');
}

/**
 * One supporter per normalised email; the first name we hear is kept until a newer one arrives.
 * `evidenceAt` is when the purchase naming the address began (a checkout session's `created`): if
 * the address's buyer was erased after that, the purchase is theirs and is credited to the erased
 * record, with nothing personal written back. Evidence dated after every erasure of the address is
 * a new purchase, and starts a fresh supporter.
 */
export function findOrCreateSupporter(
  tx: Db,
  email: string,
  name: string | null,
  now: number,
  evidenceAt: number = now,
): Supporter {
  const erased = findErasedSupporterFor(tx, email, evidenceAt);
  if (erased) return erased;
  const existing = prepared(tx, supporterByEmail).get({ email });
  // Only an erased record holds an address at erased.invalid: whoever gives one names nobody new.
  if (existing?.erasedAt != null) return existing;
  if (existing) {
    if (name && name !== existing.name) prepared(tx, renameSupporter).run({ id: existing.id, name });
    return existing;
  }
  return prepared(tx, insertSupporter).get({ email, name, token: newSupporterToken(), createdAt: now })!;
}

/**
 * An erased buyer's address, kept only as this one-way hash so a purchase from before the erasure
 * can be recognised without keeping the address. SHA-256 with a fixed prefix of its own, not an
 * HMAC: no secret to rotate or lose (see the README's privacy section for what that trades away).
 */
export function erasedEmailHash(normalisedEmail: string): string {
  return createHash('sha256').update(`critically-endangered-socks/erased-email/v1:${normalisedEmail}`).digest('hex');
}

/** What an erased supporter's email column holds: unique, and never deliverable (RFC 2606 reserves .invalid). */
export function erasedPlaceholderEmail(supporterId: number): string {
  return `erased-${supporterId}@erased.invalid`;
}

/** The erased record a purchase begun at `evidenceAt` belongs to: the first erasure of the address after it. */
function findErasedSupporterFor(tx: Db, email: string, evidenceAt: number): Supporter | undefined {
  return prepared(tx, erasedSupporterAfter).get({ emailHash: erasedEmailHash(email), evidenceAt });
}

const erasedSupporterAfter = (db: Db) =>
  db
    .select(getTableColumns(supporters))
    .from(erasedEmails)
    .innerJoin(supporters, eq(supporters.id, erasedEmails.supporterId))
    .where(
      and(
        eq(erasedEmails.emailHash, sql.placeholder('emailHash')),
        gt(erasedEmails.erasedAt, sql.placeholder('evidenceAt')),
      ),
    )
    .orderBy(asc(erasedEmails.erasedAt))
    .limit(1)
    .prepare();

const renameSupporter = (db: Db) =>
  db
    .update(supporters)
    .set({ name: param(supporters.name, 'name') })
    .where(eq(supporters.id, sql.placeholder('id')))
    .prepare();
const insertSupporter = (db: Db) =>
  db
    .insert(supporters)
    .values({
      email: sql.placeholder('email'),
      name: sql.placeholder('name'),
      token: sql.placeholder('token'),
      createdAt: sql.placeholder('createdAt'),
    })
    .returning()
    .prepare();

const supporterByEmail = (db: Db) =>
  db
    .select()
    .from(supporters)
    .where(eq(supporters.email, sql.placeholder('email')))
    .prepare();

/** The live supporter with this address; an erased one is unknown here, as everywhere a person looks. */
export function findSupporterByEmail(db: Db, email: string): Supporter | undefined {
  const supporter = prepared(db, supporterByEmail).get({ email });
  return supporter?.erasedAt == null ? supporter : undefined;
}

const supporterById = (db: Db) =>
  db
    .select()
    .from(supporters)
    .where(eq(supporters.id, sql.placeholder('id')))
    .prepare();

export function findSupporterById(db: Db, id: number): Supporter | undefined {
  return prepared(db, supporterById).get({ id });
}

export function isSupporterErased(db: Db, id: number): boolean {
  return prepared(db, supporterById).get({ id })?.erasedAt != null;
}

/** The latest erasure of this address, if its buyer was ever erased (the address itself is not kept). */
export function findLatestErasure(db: Db, email: string): { supporterId: number; erasedAt: number } | undefined {
  return db
    .select({ supporterId: erasedEmails.supporterId, erasedAt: erasedEmails.erasedAt })
    .from(erasedEmails)
    .where(eq(erasedEmails.emailHash, erasedEmailHash(email)))
    .orderBy(desc(erasedEmails.erasedAt))
    .limit(1)
    .get();
}

/** The live supporter behind a private link; an erased one's links open nothing. */
export function findSupporterByToken(db: Db, token: string): Supporter | undefined {
  return db
    .select()
    .from(supporters)
    .where(and(eq(supporters.token, token), isNull(supporters.erasedAt)))
    .get();
}

/** Replaces a supporter's token; the old link stops working at once, except to unsubscribe. */
export function rotateSupporterToken(db: Db, supporter: Pick<Supporter, 'id' | 'token'>, now: number): string {
  const token = newSupporterToken();
  transaction(db, (tx) => {
    tx.insert(retiredTokens).values({ token: supporter.token, supporterId: supporter.id, retiredAt: now }).run();
    tx.update(supporters).set({ token }).where(eq(supporters.id, supporter.id)).run();
  });
  return token;
}

/** A replaced link: whose it was (the supporter as they are now, current token included) and when it was replaced. */
export function findRetiredToken(db: Db, token: string): { supporter: Supporter; retiredAt: number } | undefined {
  return db
    .select({ supporter: supporters, retiredAt: retiredTokens.retiredAt })
    .from(retiredTokens)
    .innerJoin(supporters, eq(supporters.id, retiredTokens.supporterId))
    .where(and(eq(retiredTokens.token, token), isNull(supporters.erasedAt)))
    .get();
}

/** The supporter a replaced link belonged to. */
export function findSupporterByRetiredToken(db: Db, token: string): Supporter | undefined {
  return findRetiredToken(db, token)?.supporter;
}

/** "ada@example.org" → "a***@example.org": enough to recognise, not enough to harvest. */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  return `${email.slice(0, 1)}***${email.slice(at)}`;
}
