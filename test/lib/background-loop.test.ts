import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { BackgroundLoop } from '../../src/lib/background-loop.js';
import { createLogger } from '../../src/lib/logger.js';
import { WebhookPressure } from '../../src/stripe/webhook-pressure.js';

const loops: BackgroundLoop[] = [];
afterEach(async () => {
  await Promise.all(loops.splice(0).map((loop) => loop.stop()));
});

/** A loop whose passes are recorded, and which can be held mid-pass until released. */
function recordedLoop(schedule: ConstructorParameters<typeof BackgroundLoop>[3] = {}) {
  const passes: string[] = [];
  const logged: Record<string, unknown>[] = [];
  let hold: Promise<void> | null = null;
  let release = () => {};
  let failNext = false;
  const loop = new BackgroundLoop(
    'the test job',
    async () => {
      passes.push(`pass ${passes.length + 1}`);
      if (hold) await hold;
      if (failNext) {
        failNext = false;
        throw new Error('broke');
      }
    },
    createLogger('info', {}, (line) => void logged.push(JSON.parse(line))),
    schedule,
  );
  loops.push(loop);
  return {
    loop,
    passes,
    logged,
    holdNextPass() {
      hold = new Promise((resolve) => (release = () => resolve()));
    },
    release() {
      hold = null;
      release();
    },
    failNextPass() {
      failNext = true;
    },
  };
}

describe('a background loop', () => {
  it('runs one pass at a time, and one more after it however often it was woken meanwhile', async () => {
    const r = recordedLoop({ passesAtStart: false });
    r.loop.start();
    r.holdNextPass();
    r.loop.wake();
    await sleep(5);
    for (let i = 0; i < 10; i++) r.loop.wake();
    expect(r.passes).toEqual(['pass 1']);

    r.release();
    await r.loop.drain();
    expect(r.passes).toEqual(['pass 1', 'pass 2']); // the ten wake-ups and the drain share the one pass after it
  });

  it('ignores wake-ups until started, while a drain runs a pass anyway (a test, a command)', async () => {
    const r = recordedLoop();
    r.loop.wake();
    await sleep(5);
    expect(r.passes).toEqual([]);
    await r.loop.drain();
    expect(r.passes).toEqual(['pass 1']);
  });

  it('passes at start and every so often, and not after it stops', async () => {
    const r = recordedLoop({ everyMs: 20 });
    r.loop.start();
    await sleep(110);
    await r.loop.stop();
    const passesWhenStopped = r.passes.length;
    expect(passesWhenStopped).toBeGreaterThanOrEqual(4); // at start, then every 20 ms
    await sleep(60);
    expect(r.passes).toHaveLength(passesWhenStopped);
  });

  it('waits, when stopping, for the pass in flight and for one already asked for', async () => {
    const r = recordedLoop({ passesAtStart: false });
    r.loop.start();
    r.holdNextPass();
    r.loop.wake();
    await sleep(5);
    r.loop.wake(); // asked for during the first pass
    const stopped = r.loop.stop();
    r.loop.wake(); // after stop: ignored
    r.release();
    await stopped;
    expect(r.passes).toEqual(['pass 1', 'pass 2']);
    expect(r.loop.isStopping).toBe(true);
  });

  it('still makes the pass a wake-up asked for just before a stop, although it had not begun', async () => {
    const r = recordedLoop({ passesAtStart: false });
    r.loop.start();
    r.loop.wake(); // scheduled for a later turn of the event loop
    await r.loop.stop(); // before that turn comes
    expect(r.passes).toEqual(['pass 1']);
  });

  it('logs a failed pass and passes again on the next wake-up', async () => {
    const r = recordedLoop({ passesAtStart: false });
    r.loop.start();
    r.failNextPass();
    r.loop.wake();
    await expect
      .poll(() => r.logged.map((line) => line.msg))
      .toEqual(['the test job failed; it runs again on the next pass']);
    r.loop.wake();
    await expect.poll(() => r.passes).toEqual(['pass 1', 'pass 2']);
  });

  it('passes on a cron schedule in its time zone, and says when next', async () => {
    const r = recordedLoop({ cron: { pattern: '* * * * * *', timezone: 'Europe/London' }, passesAtStart: false });
    r.loop.start();
    const next = r.loop.nextRun()!;
    expect(next.getTime() - Date.now()).toBeLessThanOrEqual(1000);
    await expect.poll(() => r.passes.length, { timeout: 3000 }).toBeGreaterThanOrEqual(1);
    await r.loop.stop();
    expect(r.loop.nextRun()).toBeNull();
  });
});

describe('how much of the thread event processing may take', () => {
  it('takes long slices with a bare turn between them, and short slices with rests while webhooks arrive', () => {
    let now = 1_000;
    const pressure = new WebhookPressure(() => now);
    expect([pressure.isUnderLoad, pressure.sliceMs(), pressure.restMs()]).toEqual([false, 10, 0]);

    pressure.noteArrival();
    expect([pressure.isUnderLoad, pressure.sliceMs(), pressure.restMs()]).toEqual([true, 1, 20]);
    now += 49;
    expect(pressure.isUnderLoad).toBe(true);
    now += 1; // 50 ms without a webhook: the burst is over
    expect([pressure.isUnderLoad, pressure.sliceMs(), pressure.restMs()]).toEqual([false, 10, 0]);
  });

  it('rests for the rest time under load, and only a turn of the event loop otherwise', async () => {
    const pressure = new WebhookPressure();
    let started = performance.now();
    await pressure.pause();
    expect(performance.now() - started).toBeLessThan(15);
    pressure.noteArrival();
    started = performance.now();
    await pressure.pause();
    expect(performance.now() - started).toBeGreaterThanOrEqual(19);
  });
});
