import { eq } from 'drizzle-orm';
import { transaction, type Db } from '../db/client.js';
import { consoleSettings } from '../db/schema/index.js';
import { BadRequestError } from '../errors.js';
import { recordAudit, type Actor } from './audit-log.js';
import { findStaffById, type StaffMember } from './staff.queries.js';

/** Console-wide settings admins change, each audited. Unset means the default. */
const REQUIRE_TWO_FACTOR = 'require_two_factor_for_admins';

export function isTwoFactorRequiredForAdmins(db: Db): boolean {
  const row = db.select().from(consoleSettings).where(eq(consoleSettings.key, REQUIRE_TWO_FACTOR)).get();
  return row?.value === true;
}

/** Whether this member must have a second factor before the console opens to them. */
export function isTwoFactorRequiredFor(db: Db, member: Pick<StaffMember, 'role'>): boolean {
  return member.role === 'admin' && isTwoFactorRequiredForAdmins(db);
}

/**
 * Requires (or stops requiring) two-factor sign-in for every admin. An admin turns it on from an
 * account that has it, so the setting never asks of others what its author has not done. Admins
 * without it are sent to set it up at their next page, and can do nothing else until they have.
 */
export function setTwoFactorRequiredForAdmins(db: Db, isRequired: boolean, actor: Actor, now: number): void {
  transaction(db, (tx) => {
    const author = actor.staffId === null ? undefined : findStaffById(tx, actor.staffId);
    if (isRequired && author && author.totpEnabledAt === null)
      throw new BadRequestError(
        'two_factor_off',
        'Turn on two-factor sign-in for your own account first, then require it of every admin.',
      );
    const before = isTwoFactorRequiredForAdmins(tx);
    if (before === isRequired) return;
    tx.insert(consoleSettings)
      .values({ key: REQUIRE_TWO_FACTOR, value: isRequired, updatedAt: now })
      .onConflictDoUpdate({ target: consoleSettings.key, set: { value: isRequired, updatedAt: now } })
      .run();
    recordAudit(tx, actor, now, 'settings.require_two_factor_for_admins', 'console', before, isRequired);
  });
}
