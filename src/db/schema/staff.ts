import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/** The staff console's accounts, sessions, sign-in attempts and audit log. */

/** Staff console accounts. `admin` also manages accounts and settings; `staff` does everything else. */
export const staff = sqliteTable('staff', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  email: text('email').notNull().unique(),
  name: text('name'),
  role: text('role', { enum: ['admin', 'staff'] }).notNull(),
  /** scrypt, self-describing: `scrypt$N$r$p$salt$hash`. */
  passwordHash: text('password_hash').notNull(),
  isActive: integer('is_active', { mode: 'boolean' }).notNull().default(true),
  /** Failed sign-ins since the member last signed in: told to them at their next sign-in, then reset. */
  failedSignIns: integer('failed_sign_ins').notNull().default(0),
  lastFailedSignInAt: integer('last_failed_sign_in_at'),
  /** The client address of the latest failure, as the request came (an IPv6 address in full). */
  lastFailedSignInFrom: text('last_failed_sign_in_from'),
  /**
   * Two-factor sign-in (TOTP, RFC 6238; src/staff/two-factor.ts): the shared secret in base32 once
   * enrolment is confirmed with a first code, and when that was. Null: the account signs in with its
   * password alone.
   */
  totpSecret: text('totp_secret'),
  totpEnabledAt: integer('totp_enabled_at'),
  /** The 30-second time step of the last code accepted: a code at or before it is never taken again. */
  totpLastStep: integer('totp_last_step'),
  /** A secret shown for enrolment and not yet confirmed with a code (kept so a reload shows the same QR code). */
  totpPendingSecret: text('totp_pending_secret'),
  createdAt: integer('created_at').notNull(),
  updatedAt: integer('updated_at').notNull(),
});

/** What a staff member is told at sign-in about failed attempts on their account since they last signed in. */
export interface FailedSignIns {
  count: number;
  lastAt: number;
  lastFrom: string | null;
}

/** Signed-in staff sessions. Keyed by a hash of the cookie's id, so a copy of this table opens nothing. */
export const staffSessions = sqliteTable(
  'staff_sessions',
  {
    idHash: text('id_hash').primaryKey(),
    staffId: integer('staff_id')
      .notNull()
      .references(() => staff.id),
    createdAt: integer('created_at').notNull(),
    lastSeenAt: integer('last_seen_at').notNull(),
    /** The absolute limit; the idle limit counts from `lastSeenAt`. */
    expiresAt: integer('expires_at').notNull(),
    /** Failed sign-ins the member had not been told of, shown on every page of the session until dismissed. */
    signInNotice: text('sign_in_notice', { mode: 'json' }).$type<FailedSignIns>(),
    /**
     * The password was right and a second-factor code is still due: such a session opens nothing
     * but the code form, and lasts minutes.
     */
    awaitsSecondFactor: integer('awaits_second_factor', { mode: 'boolean' }).notNull().default(false),
  },
  (t) => [index('staff_sessions_staff').on(t.staffId)],
);

/**
 * Sign-in attempts that did not succeed, by `pair:<email>|<client>`, `client:<address>` and
 * `account:<email>`, counted over sliding windows (src/staff/login-throttle.ts). An attempt is a row
 * from the moment it starts; a success deletes its own rows.
 */
export const loginFailures = sqliteTable(
  'login_failures',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    key: text('key').notNull(),
    failedAt: integer('failed_at').notNull(),
  },
  (t) => [index('login_failures_key').on(t.key, t.failedAt), index('login_failures_at').on(t.failedAt)],
);

/** Single-use recovery codes for two-factor sign-in: ten at a time, stored as SHA-256 hashes, shown once. */
export const staffRecoveryCodes = sqliteTable(
  'staff_recovery_codes',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    staffId: integer('staff_id')
      .notNull()
      .references(() => staff.id),
    codeHash: text('code_hash').notNull(),
    createdAt: integer('created_at').notNull(),
    usedAt: integer('used_at'),
  },
  (t) => [index('staff_recovery_codes_staff').on(t.staffId, t.codeHash)],
);

/** Console-wide settings that admins change (audited), by key, each value JSON. */
export const consoleSettings = sqliteTable('console_settings', {
  key: text('key').primaryKey(),
  value: text('value', { mode: 'json' }).notNull(),
  updatedAt: integer('updated_at').notNull(),
});

/** Every staff change: who, when, what, before and after (JSON). Triggers refuse updates and deletes. */
export const auditLog = sqliteTable(
  'audit_log',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    at: integer('at').notNull(),
    /** Null for changes made from the command line. */
    staffId: integer('staff_id').references(() => staff.id),
    actor: text('actor').notNull(),
    action: text('action').notNull(),
    subject: text('subject').notNull(),
    before: text('before'),
    after: text('after'),
  },
  // The console's audit list by time, alone or for one actor or one action.
  (t) => [
    index('audit_log_at').on(t.at),
    index('audit_log_actor_at').on(t.actor, t.at),
    index('audit_log_action_at').on(t.action, t.at),
  ],
);
