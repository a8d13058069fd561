import type { Request } from 'express';
import { formatDateTime, plural } from '../../../lib/format.js';
import type { Actor, AuditEntry } from '../../../staff/audit-log.js';
import type { FailedSignIns, StaffMember } from '../../../staff/staff.queries.js';
import type { Enrolment } from '../../../staff/two-factor.js';

/** The signed-in member as the author of a change. Only called behind a role guard. */
export function actorOf(req: Request): Actor {
  if (!req.staff) throw new Error('actorOf called without a signed-in staff member');
  return { staffId: req.staff.id, email: req.staff.email };
}

/** A member's row on the staff page; `typed` is what was typed into one of its forms when it was refused. */
export function staffRowView(member: StaffMember, typed: Record<string, string>) {
  return {
    ...member,
    chosenRole: typed.role ?? member.role,
    isChosenActive: typed.isActive === undefined ? member.isActive : typed.isActive === 'true',
    resetReason: typed.reason ?? '',
    isResetOpen: typed.reason !== undefined,
  };
}

export function auditView(entry: AuditEntry) {
  return {
    id: entry.id,
    at: formatDateTime(entry.at),
    actor: entry.actor,
    action: entry.action,
    subject: entry.subject,
    before: entry.before ? pretty(entry.before) : null,
    after: entry.after ? pretty(entry.after) : null,
  };
}

function pretty(json: string): string {
  try {
    return JSON.stringify(JSON.parse(json), null, 1);
  } catch {
    return json;
  }
}

/** "3 failed attempts to sign in to your account since you last signed in, the latest at … from …". */
export function signInNoticeView(notice: FailedSignIns, currentUrl: string) {
  return {
    text:
      `${notice.count} failed ${plural(notice.count, 'attempt', 'attempts')}` +
      ' to sign in to your account since you last signed in',
    lastAt: `${formatDateTime(notice.lastAt)} UTC`,
    lastFrom: notice.lastFrom,
    returnTo: currentUrl,
  };
}

export interface AccountFacts {
  codesLeft: number;
  isRequired: boolean;
  mustSetUp: boolean;
}

/** The member's own account page: their second factor, or the QR code to set one up. */
export function accountView(member: StaffMember, enrolment: Enrolment | null, facts: AccountFacts) {
  return {
    email: member.email,
    role: member.role,
    twoFactorSince: member.totpEnabledAt === null ? null : formatDateTime(member.totpEnabledAt),
    codesLeft: facts.codesLeft,
    codesLeftText: plural(facts.codesLeft, 'recovery code', 'recovery codes'),
    isLowOnCodes: facts.codesLeft <= 3,
    canTurnOff: !facts.isRequired,
    mustSetUp: facts.mustSetUp,
    enrolment,
  };
}
