import { randomBytes } from 'node:crypto';
import { eq } from 'drizzle-orm';
import type { DbOrTx } from '../db/client.js';
import { retiredTokens, supporters } from '../db/schema.js';

export type Supporter = typeof supporters.$inferSelect;

/** Lower-cased and trimmed; null when it does not look like an address at all. */
export function normaliseEmail(raw: string | null | undefined): string | null {
  const email = (raw ?? '').trim().toLowerCase();
  return /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email) && email.length <= 254 ? email : null;
}

/** 192 random bits, URL-safe: unguessable, and short enough for an email link. */
export function newSupporterToken(): string {
  return randomBytes(24).toString('base64url');
}

/** One supporter per normalised email; the first name we hear is kept until a newer one arrives. */
export function findOrCreateSupporter(tx: DbOrTx, email: string, name: string | null, now: number): Supporter {
  const existing = tx.select().from(supporters).where(eq(supporters.email, email)).get();
  if (existing) {
    if (name && name !== existing.name) tx.update(supporters).set({ name }).where(eq(supporters.id, existing.id)).run();
    return existing;
  }
  return tx.insert(supporters).values({ email, name, token: newSupporterToken(), createdAt: now }).returning().get();
}

export function findSupporterByEmail(db: DbOrTx, email: string): Supporter | undefined {
  return db.select().from(supporters).where(eq(supporters.email, email)).get();
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

/** The supporter a replaced link belonged to. */
export function findSupporterByRetiredToken(db: DbOrTx, token: string): Supporter | undefined {
  return db
    .select({ supporter: supporters })
    .from(retiredTokens)
    .innerJoin(supporters, eq(supporters.id, retiredTokens.supporterId))
    .where(eq(retiredTokens.token, token))
    .get()?.supporter;
}

/** "ada@example.org" → "a***@example.org": enough to recognise, not enough to harvest. */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  return `${email.slice(0, 1)}***${email.slice(at)}`;
}
