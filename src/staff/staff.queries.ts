import { asc, eq, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { staff, type FailedSignIns } from '../db/schema/index.js';

export type { FailedSignIns };

export type StaffMember = typeof staff.$inferSelect;
export type StaffRole = StaffMember['role'];
export const STAFF_ROLES: readonly StaffRole[] = ['admin', 'staff'];

export function findStaffByEmail(db: Db, email: string): StaffMember | undefined {
  return db.select().from(staff).where(eq(staff.email, email)).get();
}

export function findStaffById(db: Db, id: number): StaffMember | undefined {
  return db.select().from(staff).where(eq(staff.id, id)).get();
}

export function listStaff(db: Db): StaffMember[] {
  return db.select().from(staff).orderBy(asc(staff.email)).all();
}

/** What the audit log keeps of an account: never the password hash. */
export function auditableStaff(member: StaffMember) {
  return { id: member.id, email: member.email, name: member.name, role: member.role, isActive: member.isActive };
}

/** Counts a failed sign-in against an existing account, for the member to be told of when they next sign in. */
export function recordFailedSignIn(db: Db, staffId: number, client: string, at: number): void {
  db.update(staff)
    .set({ failedSignIns: sql`${staff.failedSignIns} + 1`, lastFailedSignInAt: at, lastFailedSignInFrom: client })
    .where(eq(staff.id, staffId))
    .run();
}

/** The failures since the member's last sign-in (null when there were none), and starts counting afresh. */
export function takeFailedSignIns(tx: Db, staffId: number): FailedSignIns | null {
  const member = findStaffById(tx, staffId);
  if (!member || member.failedSignIns === 0 || member.lastFailedSignInAt === null) return null;
  tx.update(staff)
    .set({ failedSignIns: 0, lastFailedSignInAt: null, lastFailedSignInFrom: null })
    .where(eq(staff.id, staffId))
    .run();
  return { count: member.failedSignIns, lastAt: member.lastFailedSignInAt, lastFrom: member.lastFailedSignInFrom };
}
