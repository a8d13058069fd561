import { and, eq, ne } from 'drizzle-orm';
import { transaction, type Db } from '../db/client.js';
import { staff } from '../db/schema/index.js';
import { normaliseEmail } from '../lib/email-address.js';
import { recordAudit, type Actor } from './audit-log.js';
import { hashPassword, passwordProblem } from './passwords.js';
import { endSessionsOf } from './sessions.js';
import {
  auditableStaff,
  findStaffByEmail,
  findStaffById,
  STAFF_ROLES,
  type StaffMember,
  type StaffRole,
} from './staff.queries.js';
import { BadRequestError, NotFoundError } from '../errors.js';

export interface NewStaffInput {
  email: string;
  name?: string | null;
  role: string;
  password: string;
}

/**
 * Creates a staff account (the password is hashed before the transaction opens). Refuses duplicates
 * and weak passwords.
 */
export async function createStaff(db: Db, input: NewStaffInput, actor: Actor, now: () => number): Promise<StaffMember> {
  const email = normaliseEmail(input.email);
  if (!email) throw new BadRequestError('invalid_email', 'Enter a valid email address.', { field: 'email' });
  const role = parseRole(input.role);
  const problem = passwordProblem(input.password);
  if (problem) throw new BadRequestError('weak_password', problem, { field: 'password' });
  if (findStaffByEmail(db, email)) throw staffExists(email);
  const passwordHash = await hashPassword(input.password);
  const name = input.name?.trim() || null;
  return transaction(db, (tx) => {
    if (findStaffByEmail(tx, email)) throw staffExists(email);
    const at = now();
    const member = tx
      .insert(staff)
      .values({ email, name, role, passwordHash, createdAt: at, updatedAt: at })
      .returning()
      .get();
    recordAudit(tx, actor, at, 'staff.create', `staff:${member.id}`, null, auditableStaff(member));
    return member;
  });
}

export interface StaffChange {
  role?: string;
  isActive?: boolean;
}

/**
 * Changes an account's role or switches it off; either signs it out everywhere. The last active
 * admin cannot be demoted or disabled, so the console can never lock everyone out of its settings.
 */
export function updateStaff(db: Db, staffId: number, change: StaffChange, actor: Actor, now: number): StaffMember {
  const role = change.role === undefined ? undefined : parseRole(change.role);
  return transaction(db, (tx) => {
    const before = findStaffById(tx, staffId);
    if (!before) throw new NotFoundError('not_found', 'There is no such staff account.');
    const next = { role: role ?? before.role, isActive: change.isActive ?? before.isActive };
    if (next.role === before.role && next.isActive === before.isActive) return before;
    if (before.role === 'admin' && before.isActive && (next.role !== 'admin' || !next.isActive)) {
      const otherAdmin = tx
        .select({ id: staff.id })
        .from(staff)
        .where(and(eq(staff.role, 'admin'), eq(staff.isActive, true), ne(staff.id, staffId)))
        .get();
      if (!otherAdmin)
        throw new BadRequestError('last_admin', 'This is the last active admin; make someone else an admin first.', {
          field: next.isActive ? 'role' : 'isActive',
        });
    }
    const after = tx
      .update(staff)
      .set({ ...next, updatedAt: now })
      .where(eq(staff.id, staffId))
      .returning()
      .get();
    endSessionsOf(tx, staffId);
    recordAudit(tx, actor, now, 'staff.update', `staff:${staffId}`, auditableStaff(before), auditableStaff(after));
    return after;
  });
}

const staffExists = (email: string) =>
  new BadRequestError('staff_exists', `There is already an account for ${email}.`, { field: 'email' });

function parseRole(raw: string): StaffRole {
  if (!STAFF_ROLES.includes(raw as StaffRole))
    throw new BadRequestError('invalid_role', 'The role must be admin or staff.', { field: 'role' });
  return raw as StaffRole;
}
