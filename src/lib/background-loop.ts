import { Cron } from 'croner';
import type { Logger } from './logger.js';

export interface LoopSchedule {
  /** A pass at least this often: retries that come due, work nobody woke the loop for. */
  everyMs?: number;
  /** A pass at each occurrence of a cron pattern, in a time zone. */
  cron?: { pattern: string; timezone: string };
  /** Whether starting makes a pass at once (default: yes). */
  passesAtStart?: boolean;
}

/**
 * A background job's whole life, written once: one pass at a time (a wake-up during a pass asks
 * for another pass after it); passes when woken, every so often, or on a cron schedule; and a stop
 * that waits for the pass in flight, and for one already asked for (a webhook stored just before a
 * SIGTERM is still processed). The pass does the work: in slices, checking `isStopping` between
 * them to cut short what it can, and backing off in its own way (a retry time stored with the
 * work, say). A failed pass is logged and loses nothing: the next one starts from what is stored.
 */
export class BackgroundLoop {
  private running: Promise<void> | null = null;
  private isPassRequested = false;
  private isWakeScheduled = false;
  private isStarted = false;
  private stopping = false;
  private timer: NodeJS.Timeout | undefined;
  private job: Cron | undefined;

  constructor(
    private readonly name: string,
    private readonly pass: () => Promise<void>,
    private readonly logger: Logger,
    private readonly schedule: LoopSchedule = {},
  ) {}

  /** Passes in the background from now on, as the schedule says and whenever woken. */
  start(): void {
    this.isStarted = true;
    this.stopping = false;
    const { everyMs, cron, passesAtStart = true } = this.schedule;
    if (everyMs) this.timer = setInterval(() => this.wake(), everyMs).unref();
    if (cron) this.job = new Cron(cron.pattern, { timezone: cron.timezone, protect: true }, () => this.wake());
    if (passesAtStart) this.wake();
  }

  /** Asks for a pass soon. Safe inside a transaction: the pass starts on a later turn. Ignored unless started. */
  wake(): void {
    if (!this.isStarted || this.stopping) return;
    this.isPassRequested = true;
    if (this.running || this.isWakeScheduled) return;
    this.isWakeScheduled = true;
    setImmediate(() => {
      this.isWakeScheduled = false;
      if (this.running || !this.isPassRequested) return; // a drain or a stop took it meanwhile
      this.runPasses().catch((error: unknown) =>
        this.logger.error(`${this.name} failed; it runs again on the next pass`, { error }),
      );
    });
  }

  /**
   * A pass now (after the one in flight), and more while wake-ups keep coming; resolves when none
   * is left. Works whether or not the loop was started (a test, a command run by hand).
   */
  drain(): Promise<void> {
    if (this.stopping) return this.running ?? Promise.resolve();
    this.isPassRequested = true;
    return this.running ?? this.runPasses();
  }

  /** True once stop() was called: a pass cuts short what it can. */
  get isStopping(): boolean {
    return this.stopping;
  }

  /** When the cron schedule next fires; null without one, or once stopped. */
  nextRun(): Date | null {
    return this.job?.nextRun() ?? null;
  }

  /** No more wake-ups; resolves once the pass in flight, and one already asked for, have finished. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.isStarted = false;
    clearInterval(this.timer);
    this.job?.stop();
    this.job = undefined;
    try {
      await this.running;
      if (this.isPassRequested) await this.runPasses();
    } catch (error) {
      this.logger.error(`${this.name} failed while stopping`, { error });
    }
  }

  private runPasses(): Promise<void> {
    this.running = (async () => {
      try {
        while (this.isPassRequested) {
          this.isPassRequested = false;
          await this.pass();
        }
      } finally {
        this.running = null;
      }
    })();
    return this.running;
  }
}
