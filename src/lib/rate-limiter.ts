import { isIPv6 } from 'node:net';
import type { Clock } from './clock.js';

export interface RateLimit {
  /** Attempts allowed per window. */
  readonly limit: number;
  readonly windowMs: number;
  /** Keys remembered at most; the least recently seen are forgotten first, so memory stays bounded. */
  readonly maxKeys: number;
}

export interface RateDecision {
  readonly isAllowed: boolean;
  /** Seconds until the key's window resets (0 when allowed). */
  readonly retryAfterSeconds: number;
}

interface Window {
  startedAt: number;
  count: number;
}

/**
 * A fixed-window counter per key, in memory. Good enough for one process; a restart forgets the
 * counts, which errs towards letting people in. Uses the app clock so tests can move time.
 */
export class RateLimiter {
  private readonly windows = new Map<string, Window>();

  constructor(
    private readonly rule: RateLimit,
    private readonly clock: Clock,
  ) {}

  /** Counts one attempt for the key and says whether it is within the limit. */
  hit(key: string): RateDecision {
    const now = this.clock.now();
    let window = this.windows.get(key);
    if (!window || now - window.startedAt >= this.rule.windowMs) window = { startedAt: now, count: 0 };
    window.count += 1;
    // Re-inserting moves the key to the end of the Map's order: the front is the least recently seen.
    this.windows.delete(key);
    this.windows.set(key, window);
    this.evictOverflow();
    if (window.count <= this.rule.limit) return { isAllowed: true, retryAfterSeconds: 0 };
    return {
      isAllowed: false,
      retryAfterSeconds: Math.max(1, Math.ceil((window.startedAt + this.rule.windowMs - now) / 1000)),
    };
  }

  get size(): number {
    return this.windows.size;
  }

  private evictOverflow(): void {
    for (const key of this.windows.keys()) {
      if (this.windows.size <= this.rule.maxKeys) return;
      this.windows.delete(key);
    }
  }
}

/**
 * Whom a request counts against: an IPv4 address as it is, an IPv6 address by its /64. A home or
 * a phone is given a whole /64 and may use any address in it, so counting single IPv6 addresses
 * would let one client through again and again. An IPv4 address written as IPv6 (`::ffff:a.b.c.d`)
 * counts as itself.
 */
export function clientKey(ip: string | undefined): string {
  if (!ip) return 'unknown';
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(ip);
  if (mapped) return mapped[1]!;
  const address = ip.split('%')[0]!; // no zone id ("fe80::1%eth0")
  if (!isIPv6(address)) return ip;
  const groups = (part: string | undefined) =>
    part ? part.split(':').flatMap((group) => (group.includes('.') ? dottedQuadGroups(group) : [group])) : [];
  const [head, tail] = address.split('::');
  const left = groups(head);
  const right = groups(tail);
  const full = (
    address.includes('::') ? [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right] : left
  ).map((group) => parseInt(group, 16));
  if (full.slice(0, 5).every((group) => group === 0) && full[5] === 0xffff) {
    // IPv4-mapped, however it is written.
    return [full[6]! >> 8, full[6]! & 0xff, full[7]! >> 8, full[7]! & 0xff].join('.');
  }
  return `${full
    .slice(0, 4)
    .map((group) => group.toString(16))
    .join(':')}::/64`;
}

/** "1.2.3.4" as the two 16-bit groups it fills at the end of an IPv6 address: "102", "304". */
function dottedQuadGroups(quad: string): string[] {
  const [a, b, c, d] = quad.split('.').map(Number);
  return [((a! << 8) | b!).toString(16), ((c! << 8) | d!).toString(16)];
}
