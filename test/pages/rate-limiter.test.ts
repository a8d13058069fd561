import { describe, expect, it } from 'vitest';
import { clientKey, RateLimiter } from '../../src/lib/rate-limiter.js';
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

describe('whom a request counts against', () => {
  it('counts an IPv6 client by its /64, however the address is written', () => {
    const key = clientKey('2001:db8:1:2:aaaa::1');
    expect(key).toBe('2001:db8:1:2::/64');
    expect(clientKey('2001:0db8:0001:0002:bbbb:cccc:dddd:eeee')).toBe(key);
    expect(clientKey('2001:DB8:1:2::')).toBe(key);
    expect(clientKey('2001:db8:1:2::1%eth0')).toBe(key);
    expect(clientKey('2001:db8:1:3::1')).not.toBe(key);
    expect(clientKey('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(clientKey('::1')).toBe('0:0:0:0::/64');
    expect(clientKey('64:ff9b:1:2:3::1.2.3.4')).toBe('64:ff9b:1:2::/64');
  });

  it('counts an IPv4 client by its address, also when written as IPv6', () => {
    expect(clientKey('203.0.113.7')).toBe('203.0.113.7');
    expect(clientKey('::ffff:203.0.113.7')).toBe('203.0.113.7');
    expect(clientKey('0:0:0:0:0:ffff:203.0.113.7')).toBe('203.0.113.7');
    expect(clientKey('::ffff:cb00:7107')).toBe('203.0.113.7');
    expect(clientKey('::ffff:198.51.100.1')).not.toBe(clientKey('::ffff:203.0.113.7'));
    expect(clientKey(undefined)).toBe('unknown');
  });
});
