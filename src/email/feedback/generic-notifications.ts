import { createHmac, timingSafeEqual } from 'node:crypto';
import { normaliseEmail } from '../../lib/email-address.js';
import { BadRequestError, UnauthorizedError } from '../../errors.js';
import {
  FEEDBACK_TYPES,
  parseInstant,
  parseMessageId,
  type FeedbackNotice,
  type FeedbackType,
} from './feedback-notice.js';

/**
 * The generic endpoint, a contract other tools rely on (docs/domain.md): `X-Signature:
 * sha256=<hex HMAC-SHA256 of the raw body with EMAIL_WEBHOOK_SECRET>` over body `{"id", "type",
 * "email", "messageId"?, "occurredAt"}`. The signature is checked before the body is read.
 */
export function readGenericNotice(body: Buffer, signature: string | undefined, secret: string): FeedbackNotice[] {
  const match = /^sha256=([0-9a-fA-F]{64})$/.exec(signature?.trim() ?? '');
  const expected = createHmac('sha256', secret).update(body).digest();
  if (!match || !timingSafeEqual(Buffer.from(match[1]!, 'hex'), expected))
    throw new UnauthorizedError('bad_signature', 'X-Signature must be sha256=<hex HMAC-SHA256 of the body>.');
  const input = parseJsonObject(body);
  const id = input.id;
  if (typeof id !== 'string' || id.length < 1 || id.length > 200)
    throw new BadRequestError('invalid_body', '"id" must be a string of 1 to 200 characters.');
  if (!FEEDBACK_TYPES.includes(input.type as FeedbackType))
    throw new BadRequestError('invalid_body', `"type" must be one of ${FEEDBACK_TYPES.join(', ')}.`);
  const recipient = normaliseEmail(input.email as string);
  if (!recipient) throw new BadRequestError('invalid_body', '"email" must be an email address.');
  const messageId = input.messageId == null ? null : parseMessageId(input.messageId);
  if (input.messageId != null && !messageId)
    throw new BadRequestError('invalid_body', '"messageId" must be a Message-ID such as <abc@example.org>.');
  const occurredAt = parseInstant(input.occurredAt);
  if (occurredAt === null)
    throw new BadRequestError('invalid_body', '"occurredAt" must be an ISO 8601 time such as 2026-11-02T09:30:00Z.');
  return [
    {
      provider: 'generic',
      providerId: id,
      type: input.type as FeedbackType,
      recipient,
      messageId,
      occurredAt,
      sentAt: null,
      detail: typeof input.detail === 'string' ? input.detail.slice(0, 500) : null,
    },
  ];
}

/** The body as a JSON object, or a 400. */
export function parseJsonObject(body: Buffer): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch {
    throw new BadRequestError('invalid_json', 'The body is not valid JSON.');
  }
  if (!value || typeof value !== 'object' || Array.isArray(value))
    throw new BadRequestError('invalid_body', 'The body must be a JSON object.');
  return value as Record<string, unknown>;
}
