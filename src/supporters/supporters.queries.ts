import { randomBytes } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import { param, prepared, transaction, type Db } from '../db/client.js';
import { retiredTokens, supporters } from '../db/schema/index.js';

export type Supporter = typeof supporters.$inferSelect;

/** 192 random bits, URL-safe: unguessable, and short enough for an email link. */
export function newSupporterToken(): string {
  return randomBytes(24).toString('base64url');
}

/** One supporter per normalised email; the first name we hear is kept until a newer one arrives. */
export function findOrCreateSupporter(tx: Db, email: string, name: string | null, now: number): Supporter {
  const existing = findSupporterByEmail(tx, email);
  if (existing) {
    if (name && name !== existing.name) prepared(tx, renameSupporter).run({ id: existing.id, name });
    return existing;
  }
  return prepared(tx, insertSupporter).get({ email, name, token: newSupporterToken(), createdAt: now })!;
}

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

export function findSupporterByEmail(db: Db, email: string): Supporter | undefined {
  return prepared(db, supporterByEmail).get({ email });
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

export function findSupporterByToken(db: Db, token: string): Supporter | undefined {
  return db.select().from(supporters).where(eq(supporters.token, token)).get();
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
    .where(eq(retiredTokens.token, token))
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
