/**
 * A fixed-size latency histogram: log-spaced buckets 1% wide from 1 µs to minutes. Its memory
 * never grows with the number of samples, so recording does not disturb a memory measurement.
 */
const BUCKETS_PER_E = 100;
const BUCKET_COUNT = Math.ceil(Math.log1p(600_000_000) * BUCKETS_PER_E) + 1; // up to 10 minutes, in µs

export interface LatencySummary {
  count: number;
  meanMs: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  p999Ms: number;
  maxMs: number;
}

export class LatencyHistogram {
  private counts = new Float64Array(BUCKET_COUNT);
  private total = 0;
  private sumMs = 0;
  private maxMs = 0;

  record(ms: number): void {
    const us = Math.max(0, ms * 1000);
    const index = Math.min(BUCKET_COUNT - 1, Math.floor(Math.log1p(us) * BUCKETS_PER_E));
    this.counts[index]! += 1;
    this.total += 1;
    this.sumMs += ms;
    if (ms > this.maxMs) this.maxMs = ms;
  }

  reset(): void {
    this.counts.fill(0);
    this.total = 0;
    this.sumMs = 0;
    this.maxMs = 0;
  }

  /** The upper edge of the bucket holding the p-th percentile, never above the largest sample. */
  percentile(p: number): number {
    if (this.total === 0) return 0;
    const rank = Math.ceil((p / 100) * this.total);
    let seen = 0;
    for (let i = 0; i < BUCKET_COUNT; i++) {
      seen += this.counts[i]!;
      if (seen >= rank) return Math.min(this.maxMs, Math.expm1((i + 1) / BUCKETS_PER_E) / 1000);
    }
    return this.maxMs;
  }

  summary(): LatencySummary {
    return {
      count: this.total,
      meanMs: this.total ? this.sumMs / this.total : 0,
      p50Ms: this.percentile(50),
      p90Ms: this.percentile(90),
      p99Ms: this.percentile(99),
      p999Ms: this.percentile(99.9),
      maxMs: this.maxMs,
    };
  }
}
