import { Cron } from 'croner';
import addressparser from 'nodemailer/lib/addressparser/index.js';
import { parseInteger } from '../lib/parse-env.js';
import { DEFAULT_KEEP_DAYS } from './outbox-retention.js';

/** How email leaves the app and when the monthly impact emails go out. */
export interface MailSettings {
  /** Where `.eml` files go when SMTP_URL is unset: MAIL_OUTBOX_DIR, else `./data/outbox`. */
  readonly outboxDir: string;
  /** Pooled SMTP connections open at once. */
  readonly maxConnections: number;
  /** Messages per second handed to the relay; 0 means as fast as it accepts them. */
  readonly ratePerSecond: number;
  readonly monthly: {
    readonly isEnabled: boolean;
    readonly cron: string;
    readonly timezone: string;
  };
  /** Sent emails' text is emptied once a day after this many days (EMAIL_RETENTION_DAYS); 0 keeps it for ever. */
  readonly retentionDays: number;
}

type Env = Record<string, string | undefined>;

export const DEFAULT_OUTBOX_DIR = './data/outbox';

/**
 * Reads the MAIL_*, SMTP_* (other than SMTP_URL), MONTHLY_EMAIL_* and EMAIL_RETENTION_DAYS settings,
 * adding any problem to `problems`.
 */
export function parseMailSettings(env: Env, problems: string[]): MailSettings {
  const timezone = env.MONTHLY_EMAIL_TZ || 'Europe/London';
  const cron = env.MONTHLY_EMAIL_CRON || '0 9 1 * *';
  let isTimezoneValid = true;
  try {
    new Intl.DateTimeFormat('en-GB', { timeZone: timezone });
  } catch {
    isTimezoneValid = false;
    problems.push(`MONTHLY_EMAIL_TZ must be an IANA time zone such as Europe/London (got "${timezone}")`);
  }
  try {
    new Cron(cron, { paused: true, ...(isTimezoneValid && { timezone }) }).stop();
  } catch {
    problems.push(`MONTHLY_EMAIL_CRON must be a cron expression such as "0 9 1 * *" (got "${cron}")`);
  }
  return Object.freeze({
    // A fixed place other tools can look, wherever the database is (an interface in docs/domain.md).
    outboxDir: env.MAIL_OUTBOX_DIR || DEFAULT_OUTBOX_DIR,
    maxConnections: parseInteger(env.SMTP_MAX_CONNECTIONS, 5, 'SMTP_MAX_CONNECTIONS', problems, 1, 50),
    ratePerSecond: parseInteger(env.SMTP_RATE_LIMIT, 0, 'SMTP_RATE_LIMIT', problems, 0, 10_000),
    monthly: Object.freeze({
      isEnabled: flag(env.MONTHLY_EMAIL_ENABLED, 'MONTHLY_EMAIL_ENABLED', problems),
      cron,
      timezone,
    }),
    retentionDays: parseInteger(
      env.EMAIL_RETENTION_DAYS,
      DEFAULT_KEEP_DAYS,
      'EMAIL_RETENTION_DAYS',
      problems,
      0,
      36_500,
    ),
  });
}

/** MAIL_FROM must be one address, as nodemailer reads it: `a@b.c`, `Name <a@b.c>`, `"Name, Ltd" <a@b.c>`… */
export function checkMailFrom(mailFrom: string, problems: string[]): void {
  const parsed = addressparser(mailFrom);
  const isOneAddress = parsed.length === 1 && 'address' in parsed[0]! && /^[^@]+@[^@\s]+$/.test(parsed[0].address);
  if (!isOneAddress) {
    problems.push(
      'MAIL_FROM must be one address, such as impact@example.org or ' +
        `"Critically Endangered Socks <impact@example.org>" (got "${mailFrom}")`,
    );
  }
}

function flag(raw: string | undefined, name: string, problems: string[]): boolean {
  const value = (raw ?? '').trim().toLowerCase();
  if (['', '0', 'false', 'no', 'off'].includes(value)) return false;
  if (['1', 'true', 'yes', 'on'].includes(value)) return true;
  problems.push(`${name} must be true or false (got "${raw}")`);
  return false;
}
