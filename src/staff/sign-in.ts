import type { Db } from '../db/client.js';
import { normaliseEmail } from '../supporters/supporters.queries.js';
import { recordAudit } from './audit-log.js';
import { checkLoginThrottle, clearAccountFailures, recordLoginFailure } from './login-throttle.js';
import { DECOY_HASH, verifyPassword } from './passwords.js';
import { startSession } from './sessions.js';
import { findStaffByEmail, type StaffMember } from './staff.queries.js';
import { clientKey } from '../lib/rate-limiter.js';

export interface SignInInput {
  email: string;
  password: string;
  /** The client's address: the audit log records it, throttling counts it by clientKey (an IPv6 /64). */
  client: string;
}

export type SignInResult =
  | { status: 'signed_in'; member: StaffMember; sessionId: string }
  | { status: 'refused' }
  | { status: 'throttled'; retryAfterSeconds: number };

/**
 * Checks a staff member's password and starts a new session (a new id every time: an id a browser
 * held before signing in never becomes a signed-in one). Unknown emails, wrong passwords and
 * disabled accounts get the same answer in about the same time; throttled attempts check nothing.
 */
export async function signIn(db: Db, input: SignInInput, now: () => number): Promise<SignInResult> {
  const email = normaliseEmail(input.email) ?? input.email.trim().toLowerCase().slice(0, 254);
  const throttle = checkLoginThrottle(db, email, clientKey(input.client), now());
  if (!throttle.isAllowed) return { status: 'throttled', retryAfterSeconds: throttle.retryAfterSeconds };

  const member = findStaffByEmail(db, email);
  const isMatch = await verifyPassword(input.password, member?.passwordHash ?? DECOY_HASH);
  if (!member || !isMatch || !member.isActive) {
    recordLoginFailure(db, email, clientKey(input.client), now());
    return { status: 'refused' };
  }
  const at = now();
  const sessionId = db.transaction((tx) => {
    clearAccountFailures(tx, email);
    recordAudit(tx, { staffId: member.id, email: member.email }, at, 'staff.sign_in', `staff:${member.id}`, null, { client: input.client });
    return startSession(tx, member.id, at);
  });
  return { status: 'signed_in', member, sessionId };
}
