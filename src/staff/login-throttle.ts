import { and, eq, gt, lt, sql } from 'drizzle-orm';
import type { DbOrTx } from '../db/client.js';
import { loginFailures } from '../db/schema.js';

/**
 * Failed sign-ins are counted per account and per client over a sliding window, in the database:
 * a restart does not hand an attacker a fresh budget. Past the limit, sign-in is refused without
 * checking the password until the oldest failure in the window ages out.
 */
export const THROTTLE_WINDOW_MS = 15 * 60_000;
export const ACCOUNT_FAILURE_LIMIT = 5;
export const CLIENT_FAILURE_LIMIT = 20;

const accountKey = (email: string) => `account:${email}`;
const clientKey = (client: string) => `client:${client}`;

export interface ThrottleDecision {
  isAllowed: boolean;
  retryAfterSeconds: number;
}

export function checkLoginThrottle(db: DbOrTx, email: string, client: string, now: number): ThrottleDecision {
  const waits = [waitFor(db, accountKey(email), ACCOUNT_FAILURE_LIMIT, now), waitFor(db, clientKey(client), CLIENT_FAILURE_LIMIT, now)];
  const wait = Math.max(...waits);
  return { isAllowed: wait === 0, retryAfterSeconds: Math.ceil(wait / 1000) };
}

/** Milliseconds until the key is below its limit again (0 when it is already). */
function waitFor(db: DbOrTx, key: string, limit: number, now: number): number {
  const rows = db
    .select({ failedAt: loginFailures.failedAt })
    .from(loginFailures)
    .where(and(eq(loginFailures.key, key), gt(loginFailures.failedAt, now - THROTTLE_WINDOW_MS)))
    .orderBy(sql`${loginFailures.failedAt} desc`)
    .limit(limit)
    .all();
  if (rows.length < limit) return 0;
  // The limit-th most recent failure has to leave the window before another attempt is allowed.
  return Math.max(1, rows[limit - 1]!.failedAt + THROTTLE_WINDOW_MS - now);
}

export function recordLoginFailure(tx: DbOrTx, email: string, client: string, now: number): void {
  tx.insert(loginFailures)
    .values([
      { key: accountKey(email), failedAt: now },
      { key: clientKey(client), failedAt: now },
    ])
    .run();
  tx.delete(loginFailures).where(lt(loginFailures.failedAt, now - THROTTLE_WINDOW_MS)).run();
}

/** A successful sign-in forgives the account's failures (the client's still count). */
export function clearAccountFailures(tx: DbOrTx, email: string): void {
  tx.delete(loginFailures).where(eq(loginFailures.key, accountKey(email))).run();
}
