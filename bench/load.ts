import autocannon from 'autocannon';
import { LatencyHistogram, type LatencySummary } from './latency.js';

export interface LoadOptions {
  url: string;
  path: string;
  method: 'GET' | 'POST';
  connections: number;
  /** Seconds to run; ignored when `amount` is set. */
  durationS?: number;
  /** Exactly this many requests, then stop. */
  amount?: number;
  setupRequest?: (request: autocannon.Request, context: Record<string, unknown>) => autocannon.Request;
  onResponse?: (status: number, body: string, context: Record<string, unknown>) => void;
  /** Called about once a second while the load runs. */
  onTick?: (completed: number) => void;
}

export interface LoadResult {
  connections: number;
  durationS: number;
  completed: number;
  ok: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  /** 2xx responses per second over the whole run. */
  ratePerS: number;
  /** As the load generator saw it (write to parsed response), 2xx only, µs resolution. */
  latency: LatencySummary;
}

/** One autocannon run over keep-alive connections on loopback, no pipelining. */
export function runLoad(opts: LoadOptions): Promise<LoadResult> {
  const latency = new LatencyHistogram();
  let completed = 0;
  let ok = 0;
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: opts.url,
        connections: opts.connections,
        pipelining: 1,
        timeout: 30,
        ...(opts.amount ? { amount: opts.amount } : { duration: opts.durationS ?? 10 }),
        requests: [
          {
            method: opts.method,
            path: opts.path,
            ...(opts.setupRequest && {
              setupRequest: opts.setupRequest as (request: autocannon.Request, context: object) => autocannon.Request,
            }),
            ...(opts.onResponse && {
              onResponse: opts.onResponse as (status: number, body: string, context: object) => void,
            }),
          },
        ],
      },
      (error: unknown, result: autocannon.Result) => {
        clearInterval(ticker);
        if (error) return reject(error);
        const durationS = (performance.now() - started) / 1000;
        resolve({
          connections: opts.connections,
          durationS,
          completed,
          ok,
          non2xx: result.non2xx,
          errors: result.errors,
          timeouts: result.timeouts,
          ratePerS: ok / durationS,
          latency: latency.summary(),
        });
      },
    );
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      completed++;
      if (statusCode >= 200 && statusCode < 300) {
        ok++;
        latency.record(responseTime);
      }
    });
    const ticker = setInterval(() => opts.onTick?.(completed), 1000);
  });
}
