import type { Clock } from '../../src/lib/clock.js';

/** A clock tests move by hand. Starts at the real time so Stripe's signature timestamps line up. */
export class TestClock implements Clock {
  constructor(private ms = Date.now()) {}
  now(): number {
    return this.ms;
  }
  advance(ms: number): void {
    this.ms += ms;
  }
}
