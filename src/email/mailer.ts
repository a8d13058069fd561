import { randomUUID } from 'node:crypto';
import type { Db } from '../db/client.js';
import type { Clock } from '../lib/clock.js';
import { sumOrderLedger } from '../ledger/ledger.queries.js';
import { findOrderById } from '../orders/orders.queries.js';
import { findSupporterById, type Supporter } from '../supporters/supporters.queries.js';
import type { MonthlyCameraWeeks } from './monthly-content.js';
import { insertOutboxMessage, type NewOutboxMessage } from './outbox.queries.js';
import type { EmailTemplates, RenderedEmail } from './templates.js';

export interface MailerOptions {
  publicUrl: string;
  /** MAIL_FROM; its domain names our Message-IDs. */
  mailFrom: string;
}

/** What a supporter's email needs to know about them. */
export type Recipient = Pick<Supporter, 'id' | 'email' | 'name' | 'token'>;

/** The month's shared content, prepared once for a whole run (see monthly-content.ts). */
export interface MonthlyView {
  period: string;
  monthLabel: string;
  census: object | null;
  fieldNote: string | null;
}

/**
 * One method per email. Each renders the email and puts it in the outbox in the caller's
 * transaction; none sends anything (the outbox worker does), so they are safe inside the
 * synchronous transactions that record purchases.
 */
export class Mailer {
  private readonly messageIdDomain: string;

  constructor(
    private readonly templates: EmailTemplates,
    private readonly options: MailerOptions,
    private readonly clock: Clock,
  ) {
    this.messageIdDomain = /@([A-Za-z0-9.-]+)>?\s*$/.exec(options.mailFrom)?.[1] ?? 'localhost';
  }

  /** The thank-you for an order that has just been paid, with its impact. Once per checkout session. */
  queueReceipt(tx: Db, orderId: number): boolean {
    const order = findOrderById(tx, orderId);
    if (!order?.supporterId) return false; // a checkout without an email address: no one to thank
    const supporter = findSupporterById(tx, order.supporterId)!;
    if (supporter.erasedAt !== null) return false; // an erased buyer's purchase, arriving late: nobody to write to
    const sums = sumOrderLedger(tx, orderId);
    const pairs = sums.reduce((n, s) => n + s.pairs, 0);
    const trapWeeks = sums.reduce((n, s) => n + s.trapWeeks, 0);
    const name = displayName(supporter.name);
    const rendered = this.templates.render('receipt', 'Thank you: your socks keep a camera trap watching', {
      name,
      pairs,
      trapWeeks,
      impactUrl: this.impactUrl(supporter.token),
    });
    return insertOutboxMessage(tx, this.message('receipt', `receipt:${order.checkoutSessionId}`, supporter, rendered));
  }

  /** "Here is your impact link", once per request (`requestKey`, e.g. the request id). */
  queueImpactLink(tx: Db, supporter: Recipient, requestKey: string): boolean {
    if (!/^[A-Za-z0-9._:-]{1,100}$/.test(requestKey))
      throw new Error('requestKey must be 1-100 characters of A-Z a-z 0-9 . _ : -');
    const rendered = this.templates.render('impact-link', 'Your Critically Endangered Socks impact page', {
      name: displayName(supporter.name),
      impactUrl: this.impactUrl(supporter.token),
    });
    return insertOutboxMessage(
      tx,
      this.message('impact_link', `link:${supporter.id}:${requestKey}`, supporter, rendered),
    );
  }

  /**
   * The month's impact email for one supporter, rendered and ready to queue (the monthly run batches
   * inserts); `cameraWeeks`, the weeks that got their cameras in the month, adds a section when given.
   */
  composeMonthlyImpact(
    view: MonthlyView,
    recipient: Recipient,
    trapWeeks: { month: number; total: number },
    cameraWeeks: MonthlyCameraWeeks | null = null,
  ): NewOutboxMessage {
    const unsubscribeUrl = `${this.options.publicUrl}/unsubscribe/${encodeURIComponent(recipient.token)}`;
    const rendered = this.templates.render('monthly-impact', `Your leopard impact in ${view.monthLabel}`, {
      ...view,
      name: displayName(recipient.name),
      monthTrapWeeks: trapWeeks.month,
      totalTrapWeeks: trapWeeks.total,
      cameraWeeks,
      impactUrl: this.impactUrl(recipient.token),
      unsubscribeUrl,
    });
    // RFC 8058 one-click unsubscribe: mailbox providers POST to the URL, with no cookie and no page.
    const headers = {
      'List-Unsubscribe': `<${unsubscribeUrl}>`,
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
    };
    return this.message('monthly', `monthly:${view.period}:${recipient.id}`, recipient, rendered, headers);
  }

  private impactUrl(token: string): string {
    return `${this.options.publicUrl}/impact/${encodeURIComponent(token)}`;
  }

  private message(
    kind: NewOutboxMessage['kind'],
    idempotencyKey: string,
    to: Recipient,
    rendered: RenderedEmail,
    headers?: Record<string, string>,
  ): NewOutboxMessage {
    if (headers) for (const [key, value] of Object.entries(headers)) assertHeaderSafe(key, value);
    const now = this.clock.now();
    return {
      kind,
      idempotencyKey,
      supporterId: to.id,
      recipient: to.email,
      recipientName: displayName(to.name),
      subject: rendered.subject,
      textBody: rendered.text,
      htmlBody: rendered.html,
      headers: headers ? JSON.stringify(headers) : null,
      messageId: `<${randomUUID()}@${this.messageIdDomain}>`,
      nextAttemptAt: now,
      createdAt: now,
      updatedAt: now,
    };
  }
}

/** The same as `mailer.queueImpactLink`, for callers that hold the mailer as a dependency. */
export function queueImpactLinkEmail(db: Db, mailer: Mailer, supporter: Recipient, requestKey: string): boolean {
  return mailer.queueImpactLink(db, supporter, requestKey);
}

/**
 * A supporter's name as we show and address it: no control characters (a CR or LF in a name must
 * never start a new header), no runs of spaces, at most 80 characters; null when nothing is left.
 */
export function displayName(raw: string | null | undefined): string | null {
  const name = (raw ?? '')
    .replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return Array.from(name).slice(0, 80).join('').trim() || null;
}

function assertHeaderSafe(key: string, value: string): void {
  if (!/^[A-Za-z0-9-]+$/.test(key) || !/^[\x20-\x7e]*$/.test(value)) throw new Error(`unsafe email header ${key}`);
}
