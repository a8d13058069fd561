import {
  BOUNCE_RATE_LIMIT,
  bounceRate,
  COMPLAINT_RATE_LIMIT,
  complaintRate,
  type FeedbackCounts,
  type MonthRates,
  type SendRates,
} from '../../../dashboard/deliverability.queries.js';
import type { EmailNotification } from '../../../email/feedback/email-notifications.queries.js';
import { formatDateTime, formatMonth } from '../../../lib/format.js';

/** View models for bounce and complaint rates, and the notices behind them. */

const percent = (share: number) => `${(share * 100).toFixed(share > 0 && share < 0.01 ? 2 : 1)}%`;

function ratesView(c: FeedbackCounts) {
  const bounce = bounceRate(c);
  const complaint = complaintRate(c);
  return {
    sent: c.sent,
    hardBounces: c.hardBounces,
    softBounces: c.softBounces,
    complaints: c.complaints,
    deliveries: c.deliveries,
    bounceRate: percent(bounce),
    complaintRate: percent(complaint),
    isBounceHigh: bounce > BOUNCE_RATE_LIMIT,
    isComplaintHigh: complaint > COMPLAINT_RATE_LIMIT,
  };
}

export function monthRatesView(m: MonthRates) {
  return { label: formatMonth(m.period), period: m.period, ...ratesView(m) };
}

const SEND_NAMES: Record<string, string> = {
  monthly: 'Monthly run for',
  receipt: 'Receipts sent in',
  impact_link: 'Link emails sent in',
};

export function sendRatesView(s: SendRates) {
  const [kind, period] = s.sendKey.split(':') as [string, string];
  return { label: `${SEND_NAMES[kind] ?? kind} ${formatMonth(period)}`, ...ratesView(s) };
}

const EFFECTS: Record<EmailNotification['effect'], string> = {
  undeliverable: 'address marked undeliverable',
  soft_counted: 'soft bounce counted',
  unsubscribed: 'unsubscribed from monthly emails',
  recorded: 'recorded',
  unmatched: 'about no email we sent: nothing changed',
  before_reset: 'occurred before staff made the address deliverable again: not counted',
};

export function notificationView(n: EmailNotification) {
  return {
    occurredAt: formatDateTime(n.occurredAt),
    provider: n.provider,
    type: n.type.replace('_', ' '),
    recipient: n.recipient,
    supporterUrl: n.supporterId ? `/admin/supporters/${n.supporterId}` : null,
    emailUrl: n.outboxId ? `/admin/emails/${n.outboxId}` : null,
    effect: EFFECTS[n.effect],
    detail: n.detail,
  };
}

export const THRESHOLDS = {
  bounce: percent(BOUNCE_RATE_LIMIT),
  complaint: percent(COMPLAINT_RATE_LIMIT),
};

/** The dashboard's line for a month over a provider's limits. */
export function rateWarningView(m: MonthRates): string {
  const rates = ratesView(m);
  const parts = [
    rates.isBounceHigh && `bounce rate ${rates.bounceRate} (over ${THRESHOLDS.bounce})`,
    rates.isComplaintHigh && `complaint rate ${rates.complaintRate} (over ${THRESHOLDS.complaint})`,
  ].filter(Boolean);
  return `${formatMonth(m.period)}: ${parts.join(' and ')} of ${m.sent} emails sent. Mail providers suspend senders above these rates.`;
}

/** A buyer's page: what providers said about their address, and the button to make it deliverable again. */
export function supporterFeedbackView(
  supporter: { id: number; isDeliverable: boolean; erasedAt: number | null },
  notifications: EmailNotification[],
  opts: { isReenabledJustNow: boolean },
) {
  return {
    feedback: notifications.map(notificationView),
    deliverableUrl:
      !supporter.isDeliverable && supporter.erasedAt === null ? `/admin/supporters/${supporter.id}/deliverable` : null,
    ...(opts.isReenabledJustNow && { notice: 'The address is deliverable again; earlier bounces no longer count.' }),
  };
}
