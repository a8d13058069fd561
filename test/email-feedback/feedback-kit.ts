import { createHmac } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { emailNotifications, emailOutbox, supporters } from '../../src/db/schema/index.js';
import type { TestApp } from '../helpers/test-app.js';

/** The generic endpoint's secret in these tests (made here, published nowhere else). */
export const GENERIC_SECRET = 'generic-webhook-secret-for-the-feedback-tests';
export const POSTMARK_CREDENTIALS = 'postmark:feedback-tests-password';

export const feedbackEnv = {
  EMAIL_WEBHOOK_SECRET: GENERIC_SECRET,
  POSTMARK_WEBHOOK_CREDENTIALS: POSTMARK_CREDENTIALS,
};

export function hmacSignature(body: string, secret = GENERIC_SECRET): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** Posts a generic notice, signed unless told otherwise. */
export function postGeneric(t: TestApp, notice: object | string, opts: { signature?: string } = {}) {
  const body = typeof notice === 'string' ? notice : JSON.stringify(notice);
  return t.http
    .post('/webhooks/email/generic')
    .set('content-type', 'application/json')
    .set('x-signature', opts.signature ?? hmacSignature(body))
    .send(body);
}

export function supporterFlags(t: TestApp, email: string) {
  const row = t.ctx.db.select().from(supporters).where(eq(supporters.email, email)).get();
  if (!row) throw new Error(`no supporter ${email}`);
  return { isDeliverable: row.isDeliverable, isSubscribed: row.isSubscribed };
}

export function notificationRows(t: TestApp) {
  return t.ctx.db.select().from(emailNotifications).orderBy(emailNotifications.id).all();
}

/** The outbox row of the email of this kind last queued to `email`. */
export function lastEmailTo(t: TestApp, email: string, kind: 'receipt' | 'monthly' | 'impact_link') {
  const rows = t.ctx.db.select().from(emailOutbox).where(eq(emailOutbox.recipient, email)).all();
  const row = rows.filter((r) => r.kind === kind).at(-1);
  if (!row) throw new Error(`no ${kind} email to ${email}`);
  return row;
}

export const iso = (ms: number) => new Date(ms).toISOString();
