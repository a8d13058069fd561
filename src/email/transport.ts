/**
 * What the outbox hands to a transport and what it learns back. Transports are the only code that
 * knows about SMTP or files; the outbox only knows these outcomes.
 */

export interface OutgoingMessage {
  outboxId: number;
  from: string;
  to: { address: string; name: string | null };
  subject: string;
  text: string;
  html: string;
  /** Extra headers, validated when queued (no CR or LF anywhere). */
  headers: Record<string, string>;
  /** `<…@…>`, fixed when the message was queued. */
  messageId: string;
}

export type SendOutcome =
  | { status: 'sent'; response: string }
  /** Temporary, about this message (a 4xx for the recipient, greylisting): retry it later. */
  | { status: 'deferred'; error: string }
  /** Temporary, about the relay (refused, timed out, dropped before the body, 421, bad login): pause, then retry. */
  | { status: 'unavailable'; error: string }
  /** Permanent (a 5xx): never retried. `isRecipientRejected` marks the address undeliverable. */
  | { status: 'rejected'; error: string; isRecipientRejected: boolean }
  /** The whole message went out but no answer came back: it may have been delivered. */
  | { status: 'unknown'; error: string };

export interface MailTransport {
  /** "smtp" or "files", for logs. */
  readonly kind: string;
  send(message: OutgoingMessage): Promise<SendOutcome>;
  /** Closes pooled connections; messages in flight finish first. */
  close(): void;
}
