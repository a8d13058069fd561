import { and, count, desc, eq, gt, inArray, lt, max } from 'drizzle-orm';
import { transaction, type Db } from '../db/client.js';
import { loginFailures } from '../db/schema/index.js';

/**
 * Sign-in throttling, after OWASP's authentication guidance: an attacker elsewhere must not be able
 * to keep a staff member out of the console, so failures are counted per account *and client*, and
 * the account as a whole only slows down (never locks) for clients it has not seen succeed before.
 *
 * - one account from one client: 5 failures in 15 minutes, then that pair waits;
 * - one client (an address, an IPv6 /64) across accounts: 20 failures in 15 minutes;
 * - one account from clients without its device cookie: 10 failures in a day freely, then a wait
 *   that doubles from a minute with every further failure, up to an hour. A browser that has
 *   signed in to the account before holds a device cookie for it and is not held back by this.
 *
 * An attempt is counted before the password is checked, in one immediate transaction, so parallel
 * guesses are counted as they arrive instead of all passing the check before any is recorded. A
 * successful attempt takes its own count back (and forgives its pair). Counts live in the database:
 * a restart hands nobody a fresh budget.
 */
export const PAIR_WINDOW_MS = 15 * 60_000;
export const PAIR_FAILURE_LIMIT = 5;
export const CLIENT_FAILURE_LIMIT = 20;
export const ACCOUNT_WINDOW_MS = 24 * 60 * 60_000;
export const ACCOUNT_FREE_FAILURES = 10;
const ACCOUNT_FIRST_WAIT_MS = 60_000;
const ACCOUNT_LONGEST_WAIT_MS = 60 * 60_000;

/** Who is trying: the account's email, the client's address key, and the device cookie when it is this account's. */
export interface SignInAttempter {
  email: string;
  clientKey: string;
  /** From a device cookie issued to this account at an earlier sign-in; null for any other client. */
  deviceId: string | null;
}

export type AttemptDecision =
  { isAllowed: true; attempt: CountedAttempt } | { isAllowed: false; retryAfterSeconds: number };

/** The rows that count an attempt in progress, so a success can take them back. */
export interface CountedAttempt {
  readonly keys: { pair: string; client: string; account: string | null };
  readonly rowIds: readonly number[];
}

const pairKey = (who: SignInAttempter) =>
  `pair:${who.email}|${who.deviceId ? `device:${who.deviceId}` : who.clientKey}`;
const clientKeyOf = (who: SignInAttempter) => `client:${who.clientKey}`;
const accountKey = (who: SignInAttempter) => `account:${who.email}`;

/**
 * Counts an attempt if it is allowed now; otherwise says how long to wait. Nothing is counted for a
 * refused attempt.
 */
export function beginSignInAttempt(db: Db, who: SignInAttempter, now: number): AttemptDecision {
  return transaction(
    db,
    (tx) => {
      const keys = { pair: pairKey(who), client: clientKeyOf(who), account: who.deviceId ? null : accountKey(who) };
      const wait = Math.max(
        windowWait(tx, keys.pair, PAIR_FAILURE_LIMIT, PAIR_WINDOW_MS, now),
        windowWait(tx, keys.client, CLIENT_FAILURE_LIMIT, PAIR_WINDOW_MS, now),
        keys.account ? backOffWait(tx, keys.account, now) : 0,
      );
      if (wait > 0) return { isAllowed: false, retryAfterSeconds: Math.ceil(wait / 1000) };
      tx.delete(loginFailures)
        .where(lt(loginFailures.failedAt, now - ACCOUNT_WINDOW_MS))
        .run();
      const rows = [keys.pair, keys.client, keys.account]
        .filter((key): key is string => key !== null)
        .map((key) => ({ key, failedAt: now }));
      const rowIds = tx
        .insert(loginFailures)
        .values(rows)
        .returning({ id: loginFailures.id })
        .all()
        .map((row) => row.id);
      return { isAllowed: true, attempt: { keys, rowIds } };
    },
    'immediate',
  );
}

/** A successful sign-in: its own attempt was no failure, and the pair's earlier failures are forgiven. */
export function forgiveSignInAttempt(tx: Db, attempt: CountedAttempt): void {
  withdrawSignInAttempt(tx, attempt);
  tx.delete(loginFailures).where(eq(loginFailures.key, attempt.keys.pair)).run();
}

/**
 * A password accepted with a second factor still due: the attempt was no failure, but the pair's
 * earlier failures stand until the code is right too (so re-entering a known password can never
 * buy more guesses at the code).
 */
export function withdrawSignInAttempt(tx: Db, attempt: CountedAttempt): void {
  tx.delete(loginFailures)
    .where(inArray(loginFailures.id, [...attempt.rowIds]))
    .run();
}

/** Milliseconds until the key has fewer than `limit` failures in the window (0 when it already has). */
function windowWait(tx: Db, key: string, limit: number, windowMs: number, now: number): number {
  const oldestCounted = tx
    .select({ failedAt: loginFailures.failedAt })
    .from(loginFailures)
    .where(and(eq(loginFailures.key, key), gt(loginFailures.failedAt, now - windowMs)))
    .orderBy(desc(loginFailures.failedAt))
    .limit(1)
    .offset(limit - 1)
    .get();
  // The limit-th most recent failure has to leave the window before another attempt is allowed.
  return oldestCounted ? Math.max(1, oldestCounted.failedAt + windowMs - now) : 0;
}

/**
 * Past the free failures, each further one doubles the wait after the latest (a minute, two, four… an
 * hour at most).
 */
function backOffWait(tx: Db, key: string, now: number): number {
  const recent = tx
    .select({ failures: count(), latestAt: max(loginFailures.failedAt) })
    .from(loginFailures)
    .where(and(eq(loginFailures.key, key), gt(loginFailures.failedAt, now - ACCOUNT_WINDOW_MS)))
    .get();
  if (!recent || recent.failures < ACCOUNT_FREE_FAILURES || recent.latestAt === null) return 0;
  const delay = Math.min(
    ACCOUNT_FIRST_WAIT_MS * 2 ** (recent.failures - ACCOUNT_FREE_FAILURES),
    ACCOUNT_LONGEST_WAIT_MS,
  );
  return Math.max(0, recent.latestAt + delay - now);
}
