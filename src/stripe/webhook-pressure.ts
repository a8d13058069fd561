import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';

/** Longest stretch (wall-clock ms) processing holds the event loop before letting waiting requests in. */
const SLICE_MS = 10;
/** While webhooks are arriving: one in the last BUSY_WINDOW_MS. */
const BUSY_WINDOW_MS = 50;
/** Under load, processing takes short slices with a rest between them: about a twentieth of the thread. */
const SLICE_UNDER_LOAD_MS = 1;
const REST_UNDER_LOAD_MS = 20;

/**
 * How much of the thread event processing may take, from how recently a webhook arrived. Webhooks
 * share the thread with processing, and Stripe wants its 2xx fast, so while they keep arriving (a
 * burst during a sale, or Stripe resending after an outage) acknowledging them comes first:
 * processing drops to short slices with rests, and catches up at full speed once the burst is
 * over. The events wait on disk meanwhile, so nothing is lost, and processing never stops.
 */
export class WebhookPressure {
  private lastArrivalAt = -Infinity;

  constructor(private readonly now: () => number = () => performance.now()) {}

  /** A webhook was just stored. */
  noteArrival(): void {
    this.lastArrivalAt = this.now();
  }

  get isUnderLoad(): boolean {
    return this.now() - this.lastArrivalAt < BUSY_WINDOW_MS;
  }

  /** How long processing may hold the thread before it pauses. */
  sliceMs(): number {
    return this.isUnderLoad ? SLICE_UNDER_LOAD_MS : SLICE_MS;
  }

  /** How long a pause between slices rests: 0 is a single turn of the event loop. */
  restMs(): number {
    return this.isUnderLoad ? REST_UNDER_LOAD_MS : 0;
  }

  /** Between slices: a turn of the event loop, or a rest while webhooks are arriving. */
  pause(): Promise<unknown> {
    const rest = this.restMs();
    return rest > 0 ? sleep(rest) : nextTurn();
  }
}
