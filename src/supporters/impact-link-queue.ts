import type { Logger } from '../lib/logger.js';

export interface LinkRequest {
  email: string;
  /** Makes a retried request queue its email once (the request id). */
  requestKey: string;
}

export interface ImpactLinkQueueOptions {
  /** How long a request waits before its batch is looked at. */
  delayMs: number;
  /** Requests held at most; more are dropped with a warning (the form's rate limits keep far below it). */
  maxPending: number;
}

const DEFAULTS: ImpactLinkQueueOptions = { delayMs: 1_000, maxPending: 10_000 };

/**
 * "Email me my link" requests, held in memory and worked through in batches on a timer of their
 * own. The request path only appends here, the same for every address, so how long the answer
 * takes cannot tell anyone whether an address belongs to a buyer: looking it up, rendering the
 * email and writing it to the outbox all happen later, away from any request. A crash loses at
 * most the last second of requests; the person asks again.
 */
export class ImpactLinkQueue {
  private pending: LinkRequest[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly options: ImpactLinkQueueOptions;

  constructor(
    private readonly handle: (request: LinkRequest, log: Logger) => void,
    private readonly logger: Logger,
    options: Partial<ImpactLinkQueueOptions> = {},
  ) {
    this.options = { ...DEFAULTS, ...options };
  }

  add(request: LinkRequest): void {
    if (this.pending.length >= this.options.maxPending) {
      this.logger.warn('impact link request dropped: too many waiting', { waiting: this.pending.length });
      return;
    }
    this.pending.push(request);
    this.timer ??= setTimeout(() => this.drain(), this.options.delayMs).unref();
  }

  get size(): number {
    return this.pending.length;
  }

  /** Works through every waiting request now (tests, and shutdown). */
  drain(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
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
