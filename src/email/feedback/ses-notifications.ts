import { normaliseEmail } from '../../lib/email-address.js';
import { BadRequestError } from '../../errors.js';
import {
  parseInstant,
  parseMessageId,
  shortDetail,
  type FeedbackNotice,
  type FeedbackType,
} from './feedback-notice.js';

type Json = Record<string, unknown>;

/**
 * An Amazon SES notification (the `Message` of an SNS notification), from identity notifications
 * (`notificationType`) or a configuration set's event publishing (`eventType`): one notice per
 * recipient of a Bounce, Complaint or Delivery; other event types give none. A Permanent bounce is
 * hard; Transient and Undetermined are soft. `mail.messageId` is SES's own id; ours is in
 * `mail.commonHeaders.messageId` (or `mail.headers`).
 */
export function readSesNotices(snsMessageId: string, message: string): FeedbackNotice[] {
  let n: Json;
  try {
    n = JSON.parse(message) as Json;
    if (!n || typeof n !== 'object') throw new Error('not an object');
  } catch {
    throw new BadRequestError('invalid_body', 'The SNS message is not an SES notification.');
  }
  const mail = (n.mail ?? {}) as Json;
  const base = {
    provider: 'ses' as const,
    providerId: snsMessageId,
    messageId: ourMessageId(mail),
    sentAt: parseInstant(mail.timestamp),
  };
  const each = (type: FeedbackType, recipients: unknown, at: unknown, detail: (r: Json) => string | null) => {
    const occurredAt = parseInstant(at);
    if (!Array.isArray(recipients) || occurredAt === null)
      throw new BadRequestError('invalid_body', 'The SES notification has no recipients or time.');
    return recipients.flatMap((r: unknown) => {
      const entry = (typeof r === 'string' ? { emailAddress: r } : r) as Json;
      const recipient = normaliseEmail(bareAddress(entry?.emailAddress));
      return recipient ? [{ ...base, type, recipient, occurredAt, detail: detail(entry) }] : [];
    });
  };
  switch (n.notificationType ?? n.eventType) {
    case 'Bounce': {
      const bounce = (n.bounce ?? {}) as Json;
      const type = bounce.bounceType === 'Permanent' ? 'hard_bounce' : 'soft_bounce';
      return each(type, bounce.bouncedRecipients, bounce.timestamp, (r) =>
        shortDetail(`${String(bounce.bounceType)}/${String(bounce.bounceSubType)}`, r.status, r.diagnosticCode),
      );
    }
    case 'Complaint': {
      const complaint = (n.complaint ?? {}) as Json;
      return each('complaint', complaint.complainedRecipients, complaint.timestamp, () =>
        shortDetail(complaint.complaintFeedbackType ?? 'complaint'),
      );
    }
    case 'Delivery': {
      const delivery = (n.delivery ?? {}) as Json;
      return each('delivery', delivery.recipients, delivery.timestamp, () => shortDetail(delivery.smtpResponse));
    }
    default:
      return [];
  }
}

function ourMessageId(mail: Json): string | null {
  const common = (mail.commonHeaders ?? {}) as Json;
  if (common.messageId) return parseMessageId(common.messageId);
  const headers = Array.isArray(mail.headers) ? (mail.headers as Json[]) : [];
  const header = headers.find((h) => typeof h?.name === 'string' && h.name.toLowerCase() === 'message-id');
  return header ? parseMessageId(header.value) : null;
}

/** `"Ada" <ada@example.org>` → `ada@example.org`; a bare address as it is. */
function bareAddress(value: unknown): string | null {
  if (typeof value !== 'string' || value.length > 400) return null;
  const angle = /<([^<>]+)>\s*$/.exec(value);
  return angle ? angle[1]! : value;
}
