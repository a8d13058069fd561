import type { Request } from 'express';
import type { Actor, AuditEntry } from '../../../staff/audit-log.js';

/** The signed-in member as the author of a change. Only called behind a role guard. */
export function actorOf(req: Request): Actor {
  if (!req.staff) throw new Error('actorOf called without a signed-in staff member');
  return { staffId: req.staff.id, email: req.staff.email };
}

export function isoTime(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').slice(0, 19);
}

export function auditView(entry: AuditEntry) {
  return {
    id: entry.id,
    at: isoTime(entry.at),
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
