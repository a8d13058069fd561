import { randomBytes } from 'node:crypto';
import { transaction, type Db } from '../db/client.js';
import { TooManyRequestsError } from '../errors.js';
import { EMAIL_MAX_LENGTH } from '../lib/email-address.js';
import { clientKey } from '../lib/rate-limiter.js';
import { recordAudit } from './audit-log.js';
import {
  beginSignInAttempt,
  forgiveSignInAttempt,
  withdrawSignInAttempt,
  type CountedAttempt,
} from './login-throttle.js';
import { DECOY_HASH, PASSWORD_MAX_LENGTH, verifyPassword } from './passwords.js';
import { endSession, findSignInAwaitingSecondFactor, startSession } from './sessions.js';
import { takeSecondFactor, type SecondFactor } from './two-factor.js';
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
  /** The password was right; the browser now holds a session that opens only the code form. */
  | { status: 'second_factor_due'; sessionId: string }
  | { status: 'refused' }
  | { status: 'throttled'; retryAfterSeconds: number };

/**
 * Checks a staff member's password and starts a new session (a new id every time: an id a browser
 * held before signing in never becomes a signed-in one). The attempt is counted before the password
 * is checked (see login-throttle.ts), so parallel guesses cannot outrun the limit. Unknown emails,
 * wrong passwords and disabled accounts get the same answer in about the same time; throttled
 * attempts check nothing. A member with two-factor sign-in gets a session awaiting their code
 * instead (completeSignIn). A member is told, at their next sign-in, of the failures since their last.
 */
export async function signIn(db: Db, input: SignInInput, now: () => number): Promise<SignInResult> {
  // Staff emails are stored normalised, so trimming and lower-casing is all a lookup needs.
  const email = input.email
    .slice(0, EMAIL_MAX_LENGTH + 64)
    .trim()
    .toLowerCase();
  const member = email ? findStaffByEmail(db, email) : undefined;
  const decision = beginSignInAttempt(db, attempterOf(input, email, member), now());
  if (!decision.isAllowed) return { status: 'throttled', retryAfterSeconds: decision.retryAfterSeconds };

  const password = input.password.slice(0, PASSWORD_MAX_LENGTH + 1); // a longer one can never match
  const isMatch = await verifyPassword(password, member?.passwordHash ?? DECOY_HASH);
  if (!member || !isMatch || !member.isActive) {
    if (member) recordFailedSignIn(db, member.id, input.client, now());
    return { status: 'refused' };
  }
  const at = now();
  return transaction(db, (tx) => {
    if (member.totpEnabledAt === null) return finishSignIn(tx, member, decision.attempt, input, at, null);
    withdrawSignInAttempt(tx, decision.attempt);
    return { status: 'second_factor_due', sessionId: startSession(tx, member.id, at, null, true) } as const;
  });
}

export interface SecondFactorInput {
  /** The session id the password step gave this browser. */
  sessionId: string;
  code: string;
  client: string;
  device: SignInInput['device'];
}

/**
 * The second step for a member with two-factor sign-in: a current authenticator code (never one
 * already used) or an unused recovery code. Counted and throttled exactly like a password, against
 * the same account and client; the session awaiting the code is replaced by a signed-in one.
 */
export function completeSignIn(
  db: Db,
  input: SecondFactorInput,
  now: () => number,
): SignInResult | { status: 'expired' } {
  const member = findSignInAwaitingSecondFactor(db, input.sessionId, now());
  if (!member) return { status: 'expired' };
  const decision = beginSignInAttempt(db, attempterOf(input, member.email, member), now());
  if (!decision.isAllowed) return { status: 'throttled', retryAfterSeconds: decision.retryAfterSeconds };
  const at = now();
  return transaction(db, (tx) => {
    const factor = takeSecondFactor(tx, member, input.code, at);
    if (!factor) {
      recordFailedSignIn(tx, member.id, input.client, at);
      return { status: 'refused' } as const;
    }
    endSession(tx, input.sessionId);
    return finishSignIn(tx, member, decision.attempt, input, at, factor);
  });
}

/**
 * Runs a change that a member confirms with a code from their account page (new recovery codes,
 * turning the factor off), counted and throttled like a sign-in: a stolen session cannot guess its
 * way past the code. A change that throws leaves its attempt counted as a failure.
 */
export function throttledCodeCheck<T>(
  db: Db,
  member: StaffMember,
  who: Pick<SignInInput, 'client' | 'device'>,
  now: number,
  change: () => T,
): T {
  const decision = beginSignInAttempt(db, attempterOf(who, member.email, member), now);
  if (!decision.isAllowed)
    throw new TooManyRequestsError('too_many_sign_ins', 'Too many wrong codes. Please wait a while and try again.', {
      retryAfterSeconds: decision.retryAfterSeconds,
    });
  const result = change();
  transaction(db, (tx) => withdrawSignInAttempt(tx, decision.attempt));
  return result;
}

function attempterOf(input: Pick<SignInInput, 'client' | 'device'>, email: string, member: StaffMember | undefined) {
  const deviceId = member && input.device?.staffId === member.id ? input.device.deviceId : null;
  return { email, clientKey: clientKey(input.client), deviceId };
}

function finishSignIn(
  tx: Db,
  member: StaffMember,
  attempt: CountedAttempt,
  input: Pick<SignInInput, 'client' | 'device'>,
  at: number,
  secondFactor: SecondFactor | null,
): SignInResult {
  forgiveSignInAttempt(tx, attempt);
  const failedSinceLastSignIn = takeFailedSignIns(tx, member.id);
  recordAudit(tx, { staffId: member.id, email: member.email }, at, 'staff.sign_in', `staff:${member.id}`, null, {
    client: input.client,
    ...(secondFactor && { secondFactor }),
  });
  const sessionId = startSession(tx, member.id, at, failedSinceLastSignIn);
  const isTrustedDevice = input.device?.staffId === member.id;
  return {
    status: 'signed_in',
    member,
    sessionId,
    deviceId: isTrustedDevice ? input.device!.deviceId : newDeviceId(),
    failedSinceLastSignIn,
  };
}

/** 128 random bits naming a browser that has signed in to an account. */
function newDeviceId(): string {
  return randomBytes(16).toString('base64url');
}
