import { asc, eq } from 'drizzle-orm';
import type { DbOrTx } from '../db/client.js';
import { staff } from '../db/schema.js';

export type StaffMember = typeof staff.$inferSelect;
export type StaffRole = StaffMember['role'];
export const STAFF_ROLES: readonly StaffRole[] = ['admin', 'staff'];

export function findStaffByEmail(db: DbOrTx, email: string): StaffMember | undefined {
  return db.select().from(staff).where(eq(staff.email, email)).get();
}

export function findStaffById(db: DbOrTx, id: number): StaffMember | undefined {
  return db.select().from(staff).where(eq(staff.id, id)).get();
}

export function listStaff(db: DbOrTx): StaffMember[] {
  return db.select().from(staff).orderBy(asc(staff.email)).all();
}

/** What the audit log keeps of an account: never the password hash. */
export function auditableStaff(member: StaffMember) {
  return { id: member.id, email: member.email, name: member.name, role: member.role, isActive: member.isActive };
}
