import { BackgroundLoop } from '../lib/background-loop.js';
import type { Logger } from '../lib/logger.js';

export interface LinkRequest {
  email: string;
  /** Makes a retried request queue its email once (the request id). */
  requestKey: string;
}

/** Requests held at most; more are dropped with a warning (the form's rate limits keep far below it). */
const MAX_PENDING = 10_000;

/**
 * "Email me my link" requests, held in memory and worked through every second, by a loop of their
 * own. The request path only appends here, the same for every address, so how long the answer
 * takes cannot tell anyone whether an address belongs to a buyer: looking it up, rendering the
 * email and writing it to the outbox all happen later, away from any request. A crash loses at
 * most the last second of requests; the person asks again.
 */
export class ImpactLinkQueue {
  private pending: LinkRequest[] = [];
  private readonly loop: BackgroundLoop;

  constructor(
    private readonly handle: (request: LinkRequest, log: Logger) => void,
    private readonly logger: Logger,
  ) {
    this.loop = new BackgroundLoop('impact link requests', async () => this.handleAll(), logger, {
      everyMs: 1000,
      passesAtStart: false,
    });
  }

  add(request: LinkRequest): void {
    if (this.pending.length >= MAX_PENDING) {
      this.logger.warn('impact link request dropped: too many waiting', { waiting: this.pending.length });
      return;
    }
    this.pending.push(request);
  }

  get size(): number {
    return this.pending.length;
  }

  start(): void {
    this.loop.start();
  }

  /** Handles every waiting request now (tests, and shutdown after stop). */
  drain(): Promise<void> {
    return this.loop.drain();
  }

  /** No more passes; what is still waiting is handled before it resolves. */
  async stop(): Promise<void> {
    await this.loop.stop();
    this.handleAll();
  }

  private handleAll(): void {
    for (const request of this.pending.splice(0)) {
      const log = this.logger.child({ requestId: request.requestKey });
      try {
        this.handle(request, log);
      } catch (error) {
        log.error('impact link request failed', { error });
      }
    }
  }
}
