import { randomBytes } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import type { DbOrTx } from '../db/client.js';
import { retiredTokens, supporters } from '../db/schema.js';
import { placeholder, prepared } from '../db/prepared.js';

export type Supporter = typeof supporters.$inferSelect;

/** 192 random bits, URL-safe: unguessable, and short enough for an email link. */
export function newSupporterToken(): string {
  return randomBytes(24).toString('base64url');
}

/** One supporter per normalised email; the first name we hear is kept until a newer one arrives. */
export function findOrCreateSupporter(tx: DbOrTx, email: string, name: string | null, now: number): Supporter {
  const existing = findSupporterByEmail(tx, email);
  if (existing) {
    if (name && name !== existing.name) prepared(tx, renameSupporter).run({ id: existing.id, name });
    return existing;
  }
  return prepared(tx, insertSupporter).get({ email, name, token: newSupporterToken(), createdAt: now })!;
}

const renameSupporter = (db: DbOrTx) => db.update(supporters).set({ name: placeholder('name') }).where(eq(supporters.id, sql.placeholder('id'))).prepare();
const insertSupporter = (db: DbOrTx) =>
  db
    .insert(supporters)
    .values({ email: placeholder('email'), name: placeholder('name'), token: placeholder('token'), createdAt: placeholder('createdAt') })
    .returning()
    .prepare();

const supporterByEmail = (db: DbOrTx) => db.select().from(supporters).where(eq(supporters.email, sql.placeholder('email'))).prepare();

export function findSupporterByEmail(db: DbOrTx, email: string): Supporter | undefined {
  return prepared(db, supporterByEmail).get({ email });
}

const supporterById = (db: DbOrTx) => db.select().from(supporters).where(eq(supporters.id, sql.placeholder('id'))).prepare();

export function findSupporterById(db: DbOrTx, id: number): Supporter | undefined {
  return prepared(db, supporterById).get({ id });
}

export function findSupporterByToken(db: DbOrTx, token: string): Supporter | undefined {
  return db.select().from(supporters).where(eq(supporters.token, token)).get();
}

/** Replaces a supporter's token; the old link stops working at once, except to unsubscribe. */
export function rotateSupporterToken(db: DbOrTx, supporter: Pick<Supporter, 'id' | 'token'>, now: number): string {
  const token = newSupporterToken();
  db.transaction((tx) => {
    tx.insert(retiredTokens).values({ token: supporter.token, supporterId: supporter.id, retiredAt: now }).run();
    tx.update(supporters).set({ token }).where(eq(supporters.id, supporter.id)).run();
  });
  return token;
}

/** A replaced link: whose it was (the supporter as they are now, current token included) and when it was replaced. */
export function findRetiredToken(db: DbOrTx, token: string): { supporter: Supporter; retiredAt: number } | undefined {
  return db
    .select({ supporter: supporters, retiredAt: retiredTokens.retiredAt })
    .from(retiredTokens)
    .innerJoin(supporters, eq(supporters.id, retiredTokens.supporterId))
    .where(eq(retiredTokens.token, token))
    .get();
}

/** The supporter a replaced link belonged to. */
export function findSupporterByRetiredToken(db: DbOrTx, token: string): Supporter | undefined {
  return findRetiredToken(db, token)?.supporter;
}

/** "ada@example.org" → "a***@example.org": enough to recognise, not enough to harvest. */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  return `${email.slice(0, 1)}***${email.slice(at)}`;
}
