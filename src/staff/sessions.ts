import { createHash, randomBytes } from 'node:crypto';
import { and, eq, gt, lt, or } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { staff, staffSessions } from '../db/schema/index.js';
import type { FailedSignIns, StaffMember } from './staff.queries.js';

/** A session ends after this long without a request… */
export const SESSION_IDLE_MS = 30 * 60_000;
/** …and this long after sign-in, however busy. */
export const SESSION_ABSOLUTE_MS = 12 * 60 * 60_000;
/** A password accepted with a second factor still due: the code must follow within this. */
export const SECOND_FACTOR_DUE_MS = 5 * 60_000;
/** Activity is written at most this often, so browsing is not a stream of writes. */
const TOUCH_EVERY_MS = 60_000;

/** 256 random bits: the value the browser holds. Only its hash is stored. */
export function newSessionId(): string {
  return randomBytes(32).toString('base64url');
}

function hashOf(sessionId: string): string {
  return createHash('sha256').update(sessionId).digest('hex');
}

/**
 * Starts a session for a staff member and sweeps away expired ones. Returns the new id. The
 * session carries what the member must be told about failed sign-ins until they dismiss it. A
 * session that awaits a second factor opens nothing but the code form, for a few minutes.
 */
export function startSession(
  tx: Db,
  staffId: number,
  now: number,
  signInNotice: FailedSignIns | null,
  awaitsSecondFactor = false,
): string {
  tx.delete(staffSessions)
    .where(or(lt(staffSessions.expiresAt, now), lt(staffSessions.lastSeenAt, now - SESSION_IDLE_MS)))
    .run();
  const id = newSessionId();
  tx.insert(staffSessions)
    .values({
      idHash: hashOf(id),
      staffId,
      createdAt: now,
      lastSeenAt: now,
      expiresAt: now + (awaitsSecondFactor ? SECOND_FACTOR_DUE_MS : SESSION_ABSOLUTE_MS),
      signInNotice,
      awaitsSecondFactor,
    })
    .run();
  return id;
}

export interface StaffSession {
  member: StaffMember;
  signInNotice: FailedSignIns | null;
}

/** The active staff member behind a session id, or undefined when it is unknown, expired or disabled. */
export function findSession(db: Db, sessionId: string, now: number): StaffSession | undefined {
  const idHash = hashOf(sessionId);
  const row = db
    .select({ session: staffSessions, member: staff })
    .from(staffSessions)
    .innerJoin(staff, eq(staff.id, staffSessions.staffId))
    .where(
      and(
        eq(staffSessions.idHash, idHash),
        eq(staffSessions.awaitsSecondFactor, false),
        gt(staffSessions.expiresAt, now),
        gt(staffSessions.lastSeenAt, now - SESSION_IDLE_MS),
      ),
    )
    .get();
  if (!row || !row.member.isActive) return undefined;
  if (now - row.session.lastSeenAt >= TOUCH_EVERY_MS) {
    db.update(staffSessions).set({ lastSeenAt: now }).where(eq(staffSessions.idHash, idHash)).run();
  }
  return { member: row.member, signInNotice: row.session.signInNotice };
}

/** The active member whose password this browser gave, while their second factor is still due. */
export function findSignInAwaitingSecondFactor(db: Db, sessionId: string, now: number): StaffMember | undefined {
  const row = db
    .select({ member: staff })
    .from(staffSessions)
    .innerJoin(staff, eq(staff.id, staffSessions.staffId))
    .where(
      and(
        eq(staffSessions.idHash, hashOf(sessionId)),
        eq(staffSessions.awaitsSecondFactor, true),
        gt(staffSessions.expiresAt, now),
      ),
    )
    .get();
  return row?.member.isActive ? row.member : undefined;
}

/** The member has read what their session had to tell them. */
export function dismissSignInNotice(db: Db, sessionId: string): void {
  db.update(staffSessions)
    .set({ signInNotice: null })
    .where(eq(staffSessions.idHash, hashOf(sessionId)))
    .run();
}

export function endSession(db: Db, sessionId: string): void {
  db.delete(staffSessions)
    .where(eq(staffSessions.idHash, hashOf(sessionId)))
    .run();
}

/** Signs a staff member out everywhere (disabled, or their role changed). */
export function endSessionsOf(db: Db, staffId: number): void {
  db.delete(staffSessions).where(eq(staffSessions.staffId, staffId)).run();
}
