import { randomBytes } from 'node:crypto';
import path from 'node:path';

/** What every server process gets: production mode, no logs, nothing read from a `.env` file. */
export function serverEnv(): Record<string, string> {
  return { NODE_ENV: 'production', LOG_LEVEL: 'silent' };
}

/**
 * The real app on its own database file, with a webhook secret made for this run. Its emails (a
 * receipt per paid order) are written as files beside the database, never into the project.
 */
export function appEnv(databasePath: string, webhookSecret: string): Record<string, string> {
  return {
    ...serverEnv(),
    DATABASE_PATH: databasePath,
    MAIL_OUTBOX_DIR: path.join(path.dirname(databasePath), 'outbox'),
    STRIPE_WEBHOOK_SECRET: webhookSecret,
    SESSION_SECRET: randomBytes(32).toString('hex'),
    PUBLIC_URL: 'http://127.0.0.1',
  };
}

export function newWebhookSecret(): string {
  return `whsec_${randomBytes(24).toString('base64url')}`;
}

export type Log = (line: string) => void;
