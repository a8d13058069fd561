import { createHash, timingSafeEqual } from 'node:crypto';
import { normaliseEmail } from '../../lib/email-address.js';
import { BadRequestError, UnauthorizedError } from '../../errors.js';
import { parseJsonObject } from './generic-notifications.js';
import { parseInstant, shortDetail, type FeedbackNotice, type FeedbackType } from './feedback-notice.js';

/**
 * Postmark's bounce types that say something about the address (postmarkapp.com/developer/api/bounce-api):
 * the rest (auto-responders, subscribe requests, challenge-verifications…) are acknowledged and not kept.
 */
const BOUNCE_TYPES: Record<string, FeedbackType> = {
  HardBounce: 'hard_bounce',
  BadEmailAddress: 'hard_bounce',
  ManuallyDeactivated: 'hard_bounce',
  SoftBounce: 'soft_bounce',
  Transient: 'soft_bounce',
  DnsError: 'soft_bounce',
  SpamNotification: 'complaint',
  SpamComplaint: 'complaint',
};

/**
 * Postmark's Bounce, SpamComplaint and Delivery webhooks, behind the HTTP Basic credentials set in
 * the webhook's URL (`https://USER:PASSWORD@YOUR-HOST/webhooks/email/postmark`).
 */
export function readPostmarkNotices(
  body: Buffer,
  authorization: string | undefined,
  credentials: string,
): FeedbackNotice[] {
  if (!isSameSecret(basicCredentials(authorization), credentials))
    throw new UnauthorizedError('bad_credentials', 'The webhook credentials are missing or wrong.');
  const input = parseJsonObject(body);
  const notice = (type: FeedbackType, providerId: string, email: unknown, at: unknown, detail: string | null) => {
    const recipient = normaliseEmail(email as string);
    const occurredAt = parseInstant(at);
    if (!recipient || occurredAt === null)
      throw new BadRequestError('invalid_body', 'The notification needs an email address and an ISO 8601 time.');
    return [
      { provider: 'postmark', providerId, type, recipient, messageId: null, occurredAt, sentAt: null, detail },
    ] as [FeedbackNotice];
  };
  switch (input.RecordType) {
    case 'Bounce':
    case 'SpamComplaint': {
      const type = BOUNCE_TYPES[String(input.Type)];
      const id = bounceId(input.ID, body);
      if (!type) return [];
      return notice(type, `bounce:${id}`, input.Email, input.BouncedAt, shortDetail(input.Type, input.Description));
    }
    case 'Delivery':
      // Deliveries carry no ID of their own; Postmark's MessageID names the message, once per recipient.
      if (!isId(input.MessageID)) throw new BadRequestError('invalid_body', 'The notification has no MessageID.');
      return notice(
        'delivery',
        `delivery:${input.MessageID}`,
        input.Recipient,
        input.DeliveredAt,
        shortDetail(input.Details),
      );
    default:
      if (typeof input.RecordType !== 'string')
        throw new BadRequestError('invalid_body', 'The body is not a Postmark webhook (no RecordType).');
      return []; // opens, clicks, subscription changes: nothing we act on
  }
}

/**
 * Postmark's bounce IDs are 64-bit integers, beyond what a JavaScript number holds exactly: past
 * 2^53 the digits are read from the raw body, where the key must then appear once.
 */
function bounceId(parsed: unknown, body: Buffer): string {
  if (Number.isSafeInteger(parsed) || (typeof parsed === 'string' && isId(parsed))) return String(parsed);
  const digits = [...body.toString('utf8').matchAll(/"ID"\s*:\s*(\d{1,20})\s*[,}]/g)];
  if (typeof parsed !== 'number' || digits.length !== 1)
    throw new BadRequestError('invalid_body', 'The notification has no ID.');
  return digits[0]![1]!;
}

function isId(value: unknown): value is string | number {
  return (typeof value === 'string' && value.length > 0 && value.length <= 100) || Number.isSafeInteger(value);
}

function basicCredentials(header: string | undefined): string {
  const match = /^Basic\s+([A-Za-z0-9+/=]{1,400})$/i.exec(header?.trim() ?? '');
  return match ? Buffer.from(match[1]!, 'base64').toString('utf8') : '';
}

/** Compares digests, so neither the length nor the content of the secret leaks through timing. */
export function isSameSecret(given: string, expected: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return given !== '' && timingSafeEqual(digest(given), digest(expected));
}
