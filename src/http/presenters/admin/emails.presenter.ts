import type { Response } from 'express';
import type { AppContext } from '../../../context.js';
import type { MonthlyRunRow, OutboxListRow } from '../../../dashboard/emails.queries.js';
import { prepareMonthlyView } from '../../../email/monthly-content.js';
import type { OutboxMessage } from '../../../email/outbox.queries.js';
import { formatDateTime } from '../../../lib/format.js';

/**
 * Email HTML shown as its own document: inline styles allowed (emails need them), nothing else,
 * sandboxed so it runs as no origin at all.
 */
export function sendEmailHtml(res: Response, html: string): void {
  res
    .set({
      'Content-Security-Policy':
        "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' https: data:; " +
        "frame-ancestors 'self'; form-action 'none'; sandbox",
      'Content-Type': 'text/html; charset=utf-8',
    })
    .send(html);
}

export function runView(run: MonthlyRunRow) {
  return { ...run, url: `/admin/field-notes/${run.period}` };
}

export function outboxRowView(m: OutboxListRow) {
  return {
    ...m,
    url: `/admin/emails/${m.id}`,
    createdAt: formatDateTime(m.createdAt),
    sentAt: m.sentAt === null ? null : formatDateTime(m.sentAt),
    nextAttemptAt: m.state === 'failed' ? formatDateTime(m.nextAttemptAt) : null,
    /** The outbox list's due column: when an unsent email is (or was) next tried. */
    dueAt: m.state === 'sent' ? null : formatDateTime(m.nextAttemptAt),
    bodyPrunedAt: m.bodyPrunedAt === null ? null : formatDateTime(m.bodyPrunedAt),
  };
}

export function messageView(m: OutboxMessage) {
  return {
    ...outboxRowView(m),
    headers: m.headers
      ? Object.entries(JSON.parse(m.headers) as Record<string, string>).map(([name, value]) => ({ name, value }))
      : [],
  };
}

/** A month's impact email as a made-up supporter would get it, with the current census and field note. */
export function monthlyPreview(ctx: AppContext, period: string) {
  const sample = {
    id: 0,
    email: 'a.supporter@example.org',
    name: 'A Supporter',
    token: 'preview-only-not-a-real-link',
  };
  return ctx.mail.mailer.composeMonthlyImpact(prepareMonthlyView(ctx.db, period), sample, { month: 4, total: 26 });
}
