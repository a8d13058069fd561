import { createHash, randomInt } from 'node:crypto';
import { and, count, eq, isNull } from 'drizzle-orm';
import { Secret, TOTP } from 'otpauth';
import QRCode from 'qrcode';
import { transaction, type Db } from '../db/client.js';
import { staff, staffRecoveryCodes } from '../db/schema/index.js';
import { BadRequestError, NotFoundError } from '../errors.js';
import { recordAudit, type Actor } from './audit-log.js';
import { isTwoFactorRequiredFor } from './console-settings.js';
import { endSessionsOf } from './sessions.js';
import { findStaffById, type StaffMember } from './staff.queries.js';

/**
 * Two-factor sign-in with an authenticator app: TOTP (RFC 6238) with the parameters every app
 * understands (SHA-1, 6 digits, 30 s), one step either side for clock drift. The last step accepted
 * is stored, so a code (or an earlier one) is never taken twice. Ten single-use recovery codes stand
 * in for a lost phone; only their SHA-256 hashes are stored (50 random bits each, so a hash is no
 * help to anyone who reads the database).
 */
const ISSUER = 'Critically Endangered Socks';
const PERIOD_S = 30;
const DRIFT_STEPS = 1;
export const RECOVERY_CODE_COUNT = 10;
/** Crockford's base32: no I, L, O or U to misread. */
const RECOVERY_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const RECOVERY_CODE_LENGTH = 10;
/** Longer than any code with spaces or dashes typed in; anything longer is refused unread. */
const CODE_INPUT_MAX = 32;

export type SecondFactor = 'totp' | 'recovery';

function totpOf(secretBase32: string, email: string): TOTP {
  return new TOTP({
    issuer: ISSUER,
    label: email,
    algorithm: 'SHA1',
    digits: 6,
    period: PERIOD_S,
    secret: Secret.fromBase32(secretBase32),
  });
}

/** A code as typed: spaces and dashes dropped, upper-cased; null when it cannot be a code at all. */
function normaliseCode(raw: string): string | null {
  if (raw.length > CODE_INPUT_MAX) return null;
  const code = raw.replace(/[\s-]/g, '').toUpperCase();
  return /^[0-9A-Z]{6,16}$/.test(code) ? code : null;
}

/** The time step a 6-digit code matches (within the drift allowed), or null. */
function matchingStep(secretBase32: string, email: string, code: string, now: number): number | null {
  if (!/^\d{6}$/.test(code)) return null;
  const delta = totpOf(secretBase32, email).validate({ token: code, timestamp: now, window: DRIFT_STEPS });
  return delta === null ? null : Math.floor(now / 1000 / PERIOD_S) + delta;
}

function hashOfRecoveryCode(code: string): string {
  return createHash('sha256').update(`recovery|${code}`).digest('hex');
}

function newRecoveryCode(): string {
  let code = '';
  for (let i = 0; i < RECOVERY_CODE_LENGTH; i++) code += RECOVERY_ALPHABET[randomInt(RECOVERY_ALPHABET.length)];
  return `${code.slice(0, 5)}-${code.slice(5)}`;
}

/** Replaces a member's recovery codes with ten new ones, returned in the clear this once. */
function issueRecoveryCodes(tx: Db, staffId: number, now: number): string[] {
  tx.delete(staffRecoveryCodes).where(eq(staffRecoveryCodes.staffId, staffId)).run();
  const codes = Array.from({ length: RECOVERY_CODE_COUNT }, newRecoveryCode);
  tx.insert(staffRecoveryCodes)
    .values(codes.map((code) => ({ staffId, codeHash: hashOfRecoveryCode(normaliseCode(code)!), createdAt: now })))
    .run();
  return codes;
}

/**
 * Checks a second factor for a member who has one, and uses it up: a TOTP code moves the member's
 * last accepted step past it, a recovery code is marked used. Call inside a transaction.
 */
export function takeSecondFactor(tx: Db, member: StaffMember, raw: string, now: number): SecondFactor | null {
  const code = normaliseCode(raw);
  if (!code || !member.totpSecret) return null;
  const step = matchingStep(member.totpSecret, member.email, code, now);
  if (step !== null) {
    const isFresh = member.totpLastStep === null || step > member.totpLastStep;
    if (!isFresh) return null;
    tx.update(staff).set({ totpLastStep: step }).where(eq(staff.id, member.id)).run();
    return 'totp';
  }
  const used = tx
    .update(staffRecoveryCodes)
    .set({ usedAt: now })
    .where(
      and(
        eq(staffRecoveryCodes.staffId, member.id),
        eq(staffRecoveryCodes.codeHash, hashOfRecoveryCode(code)),
        isNull(staffRecoveryCodes.usedAt),
      ),
    )
    .returning({ id: staffRecoveryCodes.id })
    .get();
  return used ? 'recovery' : null;
}

export interface Enrolment {
  /** The secret in base32, for typing in when the camera cannot read the code. */
  secret: string;
  /** The secret grouped in fours, as people type it. */
  secretForPeople: string;
  uri: string;
  /** The otpauth URI as an SVG QR code, rendered here: no script, no outside service. */
  qrSvg: string;
}

/**
 * The secret a member is asked to add to their authenticator, kept until confirmed so a reload
 * shows the same one. Refused when the member already has two-factor sign-in.
 */
export async function startEnrolment(db: Db, staffId: number): Promise<Enrolment> {
  const member = memberOrNotFound(db, staffId);
  if (member.totpEnabledAt !== null)
    throw new BadRequestError('two_factor_on', 'Two-factor sign-in is already on for this account.');
  let secret = member.totpPendingSecret;
  if (!secret) {
    secret = new Secret({ size: 20 }).base32;
    db.update(staff).set({ totpPendingSecret: secret }).where(eq(staff.id, staffId)).run();
  }
  const uri = totpOf(secret, member.email).toString();
  const qrSvg = await QRCode.toString(uri, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
  return { secret, secretForPeople: secret.replace(/(.{4})(?=.)/g, '$1 '), uri, qrSvg };
}

/**
 * Turns two-factor sign-in on once the member proves their app has the secret with a current
 * code. Returns the ten recovery codes, to be shown once. Audited.
 */
export function confirmEnrolment(db: Db, staffId: number, rawCode: string, now: number): string[] {
  return transaction(db, (tx) => {
    const member = memberOrNotFound(tx, staffId);
    if (member.totpEnabledAt !== null)
      throw new BadRequestError('two_factor_on', 'Two-factor sign-in is already on for this account.');
    const secret = member.totpPendingSecret;
    if (!secret) throw new BadRequestError('no_enrolment', 'Start again: open your account page for a new QR code.');
    const code = normaliseCode(rawCode);
    const step = code ? matchingStep(secret, member.email, code, now) : null;
    if (step === null)
      throw new BadRequestError(
        'wrong_code',
        'That code does not match. Check the time on your phone is set automatically, and enter the code your app shows now.',
      );
    tx.update(staff)
      .set({ totpSecret: secret, totpPendingSecret: null, totpEnabledAt: now, totpLastStep: step, updatedAt: now })
      .where(eq(staff.id, staffId))
      .run();
    recordAudit(tx, actorFor(member), now, 'staff.two_factor_on', `staff:${staffId}`, null, null);
    return issueRecoveryCodes(tx, staffId, now);
  });
}

/** New recovery codes for a member who proves their second factor; the old ones stop working. Audited. */
export function renewRecoveryCodes(db: Db, staffId: number, rawCode: string, now: number): string[] {
  return transaction(db, (tx) => {
    const member = memberWithSecondFactor(tx, staffId, rawCode, now);
    recordAudit(tx, actorFor(member), now, 'staff.recovery_codes_renewed', `staff:${staffId}`, null, null);
    return issueRecoveryCodes(tx, staffId, now);
  });
}

/** Turns a member's own second factor off, with a current code; refused where the console requires one. */
export function turnOffTwoFactor(db: Db, staffId: number, rawCode: string, now: number): void {
  transaction(db, (tx) => {
    const member = memberWithSecondFactor(tx, staffId, rawCode, now);
    if (isTwoFactorRequiredFor(tx, member))
      throw new BadRequestError('two_factor_required', 'Two-factor sign-in is required for admins, so it stays on.');
    clearSecondFactor(tx, staffId, now);
    recordAudit(tx, actorFor(member), now, 'staff.two_factor_off', `staff:${staffId}`, null, null);
  });
}

/**
 * An admin takes away another account's second factor (a lost phone and lost recovery codes): the
 * member is signed out everywhere and enrols again at their next sign-in. Audited with the reason.
 */
export function resetTwoFactor(db: Db, staffId: number, reason: string, actor: Actor, now: number): void {
  const why = reason.trim().slice(0, 500);
  if (!why)
    throw new BadRequestError('reason_required', 'Say why the second factor is being reset.', { field: 'reason' });
  transaction(db, (tx) => {
    const member = memberOrNotFound(tx, staffId);
    if (member.totpEnabledAt === null && member.totpPendingSecret === null)
      throw new BadRequestError('two_factor_off', `${member.email} has no second factor to reset.`);
    clearSecondFactor(tx, staffId, now);
    endSessionsOf(tx, staffId);
    recordAudit(tx, actor, now, 'staff.two_factor_reset', `staff:${staffId}`, null, { reason: why });
  });
}

/** How many unused recovery codes a member has left. */
export function recoveryCodesLeft(db: Db, staffId: number): number {
  return (
    db
      .select({ n: count() })
      .from(staffRecoveryCodes)
      .where(and(eq(staffRecoveryCodes.staffId, staffId), isNull(staffRecoveryCodes.usedAt)))
      .get()?.n ?? 0
  );
}

function clearSecondFactor(tx: Db, staffId: number, now: number): void {
  tx.update(staff)
    .set({ totpSecret: null, totpPendingSecret: null, totpEnabledAt: null, totpLastStep: null, updatedAt: now })
    .where(eq(staff.id, staffId))
    .run();
  tx.delete(staffRecoveryCodes).where(eq(staffRecoveryCodes.staffId, staffId)).run();
}

function memberWithSecondFactor(tx: Db, staffId: number, rawCode: string, now: number): StaffMember {
  const member = memberOrNotFound(tx, staffId);
  if (member.totpEnabledAt === null)
    throw new BadRequestError('two_factor_off', 'Two-factor sign-in is not on for this account.');
  if (!takeSecondFactor(tx, member, rawCode, now))
    throw new BadRequestError('wrong_code', 'That code does not match, or has been used already.');
  return member;
}

function memberOrNotFound(db: Db, staffId: number): StaffMember {
  const member = findStaffById(db, staffId);
  if (!member) throw new NotFoundError('not_found', 'There is no such staff account.');
  return member;
}

function actorFor(member: StaffMember): Actor {
  return { staffId: member.id, email: member.email };
}
