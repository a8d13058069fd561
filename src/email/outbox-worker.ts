import type { Db } from '../db/client.js';
import { BackgroundLoop } from '../lib/background-loop.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import { recordAndClaim, recoverInterruptedSends, type OutboxMessage, type SendResult } from './outbox.queries.js';
import type { MailTransport, OutgoingMessage, SendOutcome } from './transport.js';

/** Results are written at least this often, so a crash leaves few messages whose fate is unknown. */
const FLUSH_EVERY_MS = 25;
const FLUSH_EVERY_RESULTS = 50;

/** After the relay fails as a whole: 5 s, 10 s, 20 s … capped at 5 minutes before trying it again. */
export function pauseAfterUnavailableMs(consecutive: number): number {
  return Math.min(5_000 * 2 ** Math.max(0, consecutive - 1), 300_000);
}

export interface OutboxWorkerOptions {
  /** The From header of every message (MAIL_FROM). */
  from: string;
  /** Messages claimed (marked `sending`) and handed to the transport at most at once; ~10 per SMTP connection. */
  window: number;
}

/**
 * Sends what the outbox holds. One pass at a time; a sliding window of claimed messages keeps the
 * SMTP pool busy; results are recorded every 25 ms or so, with the next claim. Delivery is at least
 * once: a message is marked `sending` before it goes and `sent` after, so when the process dies
 * the only messages that can go twice are those on the wire and those accepted in its last ~25 ms,
 * each resent once with the same Message-ID (see recoverInterruptedSends).
 */
export class OutboxWorker {
  private readonly loop: BackgroundLoop;
  private hasRecovered = false;
  private pausedUntil = 0;
  private consecutiveUnavailable = 0;

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly transport: MailTransport,
    private readonly options: OutboxWorkerOptions,
  ) {
    this.loop = new BackgroundLoop(
      'outbox pass',
      async () => {
        this.recoverOnce();
        await this.sendDue();
      },
      logger,
      { everyMs: 1000 },
    );
  }

  /** Sends in the background: on wake-ups, and every second for retries that come due. */
  start(): void {
    this.loop.start();
  }

  /** Claims nothing more, lets messages in flight finish and records them, then closes the transport. */
  async stop(): Promise<void> {
    await this.loop.stop();
    this.transport.close();
  }

  /** Asks for a pass soon. Safe to call inside a transaction: the pass starts on a later turn. */
  wake(): void {
    this.loop.wake();
  }

  /** Sends every message that is due now; resolves when none is left, or while the relay is paused. */
  drain(): Promise<void> {
    return this.loop.drain();
  }

  private recoverOnce(): void {
    if (this.hasRecovered) return;
    this.hasRecovered = true;
    const { retried, givenUp } = recoverInterruptedSends(this.db, this.clock.now());
    if (retried + givenUp > 0) {
      this.logger.warn('emails were being sent when the app last stopped; their outcome is unknown', {
        retriedOnce: retried,
        givenUp,
      });
    }
  }

  private async sendDue(): Promise<void> {
    const results: SendResult[] = [];
    let inFlight = 0;
    let isExhausted = false;
    let flushedAt = performance.now();
    // Woken by every finished send, and by a ticker so finished ones never wait long behind a slow one.
    let wake: () => void = () => {};
    const ticker = setInterval(() => wake(), FLUSH_EVERY_MS);
    // Results are recorded in the same transaction as the next claim whenever there is one.
    const flush = (claim = 0) => {
      const claimed = recordAndClaim(this.db, results.splice(0), this.clock.now(), claim);
      flushedAt = performance.now();
      return claimed;
    };
    try {
      for (;;) {
        const mayClaim = !isExhausted && !this.loop.isStopping && this.clock.now() >= this.pausedUntil;
        if (mayClaim && inFlight <= this.options.window / 2) {
          const wanted = this.options.window - inFlight;
          const claimed = flush(wanted);
          isExhausted = claimed.length < wanted;
          inFlight += claimed.length;
          for (const message of claimed) {
            void this.sendOne(message).then((outcome) => {
              results.push({ message, outcome });
              inFlight--;
              wake();
            });
          }
        }
        if (inFlight === 0) break;
        await new Promise<void>((resolve) => (wake = resolve));
        if (
          results.length >= FLUSH_EVERY_RESULTS ||
          (results.length > 0 && performance.now() - flushedAt >= FLUSH_EVERY_MS)
        )
          flush();
      }
      flush();
    } finally {
      clearInterval(ticker);
    }
  }

  private async sendOne(message: OutboxMessage): Promise<SendOutcome> {
    const outcome = await this.transport.send(this.outgoing(message)).catch((error: unknown): SendOutcome => ({
      status: 'unavailable',
      error: error instanceof Error ? error.message : String(error),
    }));
    this.observe(message, outcome);
    return outcome;
  }

  /** Pauses claiming while the relay is down, so a long queue does not hammer it message by message. */
  private observe(message: OutboxMessage, outcome: SendOutcome): void {
    if (outcome.status === 'sent') {
      this.consecutiveUnavailable = 0;
      return;
    }
    const fields = { outboxId: message.id, kind: message.kind, attempt: message.attempts, error: outcome.error };
    if (outcome.status === 'unavailable') {
      if (this.clock.now() < this.pausedUntil) return; // the other messages in flight when it failed
      this.consecutiveUnavailable++;
      const pauseMs = pauseAfterUnavailableMs(this.consecutiveUnavailable);
      this.pausedUntil = this.clock.now() + pauseMs;
      this.logger.warn('mail relay unavailable; pausing the outbox', {
        ...fields,
        transport: this.transport.kind,
        pauseMs,
      });
    } else if (outcome.status === 'rejected') {
      this.logger.warn('email permanently rejected; not retried', fields);
    } else {
      this.logger.warn(outcome.status === 'unknown' ? 'email outcome unknown' : 'email deferred by the relay', fields);
    }
  }

  private outgoing(message: OutboxMessage): OutgoingMessage {
    return {
      outboxId: message.id,
      from: this.options.from,
      to: { address: message.recipient, name: message.recipientName },
      subject: message.subject,
      text: message.textBody,
      html: message.htmlBody,
      headers: message.headers ? (JSON.parse(message.headers) as Record<string, string>) : {},
      messageId: message.messageId,
    };
  }
}
