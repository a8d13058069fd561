import { randomBytes } from 'node:crypto';
import { transaction, type Db } from '../db/client.js';
import { EMAIL_MAX_LENGTH } from '../lib/email-address.js';
import { clientKey } from '../lib/rate-limiter.js';
import { recordAudit } from './audit-log.js';
import { beginSignInAttempt, forgiveSignInAttempt } from './login-throttle.js';
import { DECOY_HASH, PASSWORD_MAX_LENGTH, verifyPassword } from './passwords.js';
import { startSession } from './sessions.js';
import {
  findStaffByEmail,
  recordFailedSignIn,
  takeFailedSignIns,
  type FailedSignIns,
  type StaffMember,
} from './staff.queries.js';

export interface SignInInput {
  email: string;
  password: string;
  /** The client's address: the audit log records it, throttling counts it by clientKey (an IPv6 /64). */
  client: string;
  /** The device cookie the browser sent, already checked for its signature: whose it says it is. */
  device: { staffId: number; deviceId: string } | null;
}

export type SignInResult =
  | {
      status: 'signed_in';
      member: StaffMember;
      sessionId: string;
      deviceId: string;
      failedSinceLastSignIn: FailedSignIns | null;
    }
  | { status: 'refused' }
  | { status: 'throttled'; retryAfterSeconds: number };

/**
 * Checks a staff member's password and starts a new session (a new id every time: an id a browser
 * held before signing in never becomes a signed-in one). The attempt is counted before the password
 * is checked (see login-throttle.ts), so parallel guesses cannot outrun the limit. Unknown emails,
 * wrong passwords and disabled accounts get the same answer in about the same time; throttled
 * attempts check nothing. A member is told, at their next sign-in, of the failures since their last.
 */
export async function signIn(db: Db, input: SignInInput, now: () => number): Promise<SignInResult> {
  // Staff emails are stored normalised, so trimming and lower-casing is all a lookup needs.
  const email = input.email
    .slice(0, EMAIL_MAX_LENGTH + 64)
    .trim()
    .toLowerCase();
  const member = email ? findStaffByEmail(db, email) : undefined;
  const trustedDevice = member && input.device?.staffId === member.id ? input.device.deviceId : null;
  const decision = beginSignInAttempt(
    db,
    { email, clientKey: clientKey(input.client), deviceId: trustedDevice },
    now(),
  );
  if (!decision.isAllowed) return { status: 'throttled', retryAfterSeconds: decision.retryAfterSeconds };

  const password = input.password.slice(0, PASSWORD_MAX_LENGTH + 1); // a longer one can never match
  const isMatch = await verifyPassword(password, member?.passwordHash ?? DECOY_HASH);
  if (!member || !isMatch || !member.isActive) {
    if (member) recordFailedSignIn(db, member.id, input.client, now());
    return { status: 'refused' };
  }
  const at = now();
  return transaction(db, (tx) => {
    forgiveSignInAttempt(tx, decision.attempt);
    const failedSinceLastSignIn = takeFailedSignIns(tx, member.id);
    recordAudit(tx, { staffId: member.id, email: member.email }, at, 'staff.sign_in', `staff:${member.id}`, null, {
      client: input.client,
    });
    const sessionId = startSession(tx, member.id, at, failedSinceLastSignIn);
    return {
      status: 'signed_in',
      member,
      sessionId,
      deviceId: trustedDevice ?? newDeviceId(),
      failedSinceLastSignIn,
    } as const;
  });
}

/** 128 random bits naming a browser that has signed in to an account. */
function newDeviceId(): string {
  return randomBytes(16).toString('base64url');
}
