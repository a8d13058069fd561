import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { countEventsByStatus, insertEventsIfNew } from '../../src/stripe/events.queries.js';
import { checkoutCompleted } from '../helpers/stripe-events.js';
import { createTestApp } from '../helpers/test-app.js';

const EVENTS = 1500;

/** Stores a backlog of purchases straight into the event table, as the webhook route would. */
function storeBacklog(t: ReturnType<typeof createTestApp>) {
  const events = Array.from({ length: EVENTS }, () => {
    // Items inside the events: this is about how processing shares the thread, not about waiting on the API.
    const event = checkoutCompleted({ lines: [{ pairsPerUnit: 1 }], embedLineItems: true });
    return {
      id: event.id,
      type: event.type,
      created: event.created,
      apiVersion: null,
      livemode: false,
      payload: JSON.stringify(event),
    };
  });
  insertEventsIfNew(t.ctx.db, events, t.clock.now());
}

const processed = (t: ReturnType<typeof createTestApp>) => countEventsByStatus(t.ctx.db).processed ?? 0;

/** The longest stretch, in ms, the event loop was held while `during` ran. */
async function longestStall(during: Promise<unknown>): Promise<number> {
  let last = performance.now();
  let longest = 0;
  const ticker = setInterval(() => {
    const now = performance.now();
    longest = Math.max(longest, now - last);
    last = now;
  }, 1);
  await during;
  clearInterval(ticker);
  return longest;
}

describe('processing while webhooks keep arriving', () => {
  it('gives the thread to incoming webhooks during a burst, never stops, and catches up at full speed after it', async () => {
    const t = createTestApp();
    storeBacklog(t);
    t.ctx.events.start();

    // A burst: a webhook stored every 5 ms for 600 ms.
    const burst = (async () => {
      for (let i = 0; i < 120; i++) {
        t.ctx.events.eventArrived();
        await sleep(5);
      }
    })();
    const stall = await longestStall(burst);
    const duringBurst = processed(t);

    const started = performance.now();
    while (processed(t) < EVENTS) await sleep(20);
    const catchUpMs = performance.now() - started;
    const afterRate = (EVENTS - duringBurst) / catchUpMs;
    const burstRate = duringBurst / 600;

    expect(duringBurst).toBeGreaterThan(0); // never starved
    expect(duringBurst).toBeLessThan(EVENTS);
    // About a twentieth of the thread during the burst, all of it after: far slower while webhooks arrive.
    expect(burstRate).toBeLessThan(afterRate / 2);
    // Requests are let in between slices: a slice is 1 ms, plus the one event it finished on. A
    // processor that kept the thread would hold it for the whole backlog (well over a second); the
    // margin is for a shared machine that deschedules the process now and then.
    expect(stall).toBeLessThan(250);
    expect(t.totals().pairs).toBe(EVENTS);
  });
});
