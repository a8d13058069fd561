/** A bounce, complaint or delivery notice as every provider's format is read into. */

export const FEEDBACK_PROVIDERS = ['ses', 'postmark', 'generic'] as const;
export type FeedbackProvider = (typeof FEEDBACK_PROVIDERS)[number];
export const FEEDBACK_TYPES = ['hard_bounce', 'soft_bounce', 'complaint', 'delivery'] as const;
export type FeedbackType = (typeof FEEDBACK_TYPES)[number];

export interface FeedbackNotice {
  provider: FeedbackProvider;
  /** The provider's id of the notification: with the recipient, what makes a redelivery a duplicate. */
  providerId: string;
  type: FeedbackType;
  /** Normalised address. */
  recipient: string;
  /** Our Message-ID (`<…@…>`), when the provider passed it on. */
  messageId: string | null;
  occurredAt: number;
  /** When the provider says the original message went, if it says (SES's mail.timestamp). */
  sentAt: number | null;
  detail: string | null;
}

/** What storing a notice did: `isNew` false for a redelivery, which changes nothing. */
export interface StoredNotice {
  isNew: boolean;
}

/** A provider's text, cut to what a row and a page need. */
export function shortDetail(...parts: unknown[]): string | null {
  const text = parts
    .filter((p) => typeof p === 'string' || typeof p === 'number')
    .join(' ')
    .replace(/[\u0000-\u001f\u007f]+/g, ' ')
    .trim();
  return text ? text.slice(0, 500) : null;
}

/** An ISO 8601 time with its date and clock, as epoch milliseconds; null otherwise. */
export function parseInstant(value: unknown): number | null {
  if (typeof value !== 'string' || value.length > 40 || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(value)) return null;
  const ms = Date.parse(value);
  return Number.isFinite(ms) ? ms : null;
}

/** A Message-ID as headers carry it (`<id@host>`), without angle brackets added or lost; null for anything else. */
export function parseMessageId(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const trimmed = value.trim();
  if (trimmed.length > 250 || !/^<?[^<>\s]+@[^<>\s]+>?$/.test(trimmed)) return null;
  return `<${trimmed.replace(/^<|>$/g, '')}>`;
}
