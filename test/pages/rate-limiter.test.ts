import { describe, expect, it } from 'vitest';
import { RateLimiter } from '../../src/lib/rate-limiter.js';
import { TestClock } from '../helpers/test-clock.js';

describe('the lookup rate limiter', () => {
  it('allows the limit per window, then says how long to wait', () => {
    const clock = new TestClock(0);
    const limiter = new RateLimiter({ limit: 2, windowMs: 60_000, maxKeys: 10 }, clock);

    expect([limiter.hit('a'), limiter.hit('a')].map((d) => d.isAllowed)).toEqual([true, true]);
    clock.advance(20_000);
    expect(limiter.hit('a')).toEqual({ isAllowed: false, retryAfterSeconds: 40 });
    expect(limiter.hit('b').isAllowed).toBe(true);
    clock.advance(40_000);
    expect(limiter.hit('a').isAllowed).toBe(true);
  });

  it('remembers at most maxKeys keys, forgetting the least recently seen', () => {
    const clock = new TestClock(0);
    const limiter = new RateLimiter({ limit: 1, windowMs: 60_000, maxKeys: 3 }, clock);

    for (const key of ['a', 'b', 'c']) limiter.hit(key);
    limiter.hit('a'); // a is now the most recently seen
    for (let i = 0; i < 1000; i++) limiter.hit(`flood${i}`);

    expect(limiter.size).toBe(3);
    limiter.hit('x');
    limiter.hit('a');
    expect(limiter.size).toBe(3);
  });

  it('keeps a recently seen key over older ones', () => {
    const clock = new TestClock(0);
    const limiter = new RateLimiter({ limit: 1, windowMs: 60_000, maxKeys: 3 }, clock);

    for (const key of ['a', 'b', 'c']) limiter.hit(key);
    limiter.hit('a');
    limiter.hit('d'); // evicts b, the least recently seen

    expect(limiter.hit('a').isAllowed).toBe(false); // still remembered
    expect(limiter.hit('b').isAllowed).toBe(true); // forgotten, so a fresh window
  });
});
