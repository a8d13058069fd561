import path from 'node:path';
import { CheckoutEventSource } from './checkout-events.js';
import { startChildServer, type ServerStats } from './child-server.js';
import { appEnv, newWebhookSecret, serverEnv, type Log } from './environment.js';
import type { LatencySummary } from './latency.js';
import { medianBy, medianOf } from './rounds.js';
import {
  checkStoredAndProcessed,
  postCheckoutEvents,
  sampleMemory,
  settle,
  type MemorySample,
  type StorageCheck,
  type WebhookLoadResult,
} from './webhooks.js';

export interface WebhookBenchOptions {
  dir: string;
  connections: number;
  /** Seconds of load per server per round. */
  durationS: number;
  /** Post exactly this many events per server per round instead of running for `durationS`. */
  events?: number;
  /** Rounds of bare Express then the app, back to back; the verdicts take the median round. */
  rounds: number;
  warmupS: number;
  /** Extra Node flags for the app's process, e.g. --cpu-prof. */
  appNodeFlags: string[];
  /** Diagnostic: the app only verifies and stores during the load; processing waits for the drain. */
  isIngestOnly?: boolean;
  /** More settings for the app (METRICS_TOKEN, say, to measure the app with metrics on). */
  appEnv?: Record<string, string>;
  log: Log;
}

type RunSummary = Omit<WebhookLoadResult, 'acked'> & { server: LatencySummary };

export interface WebhookRound {
  bare: RunSummary;
  app: RunSummary & { backlogAtEnd: number; rssMb: { start: number; peak: number; end: number } };
  ratio: number;
}

export interface WebhookBench extends WebhookRound {
  /** Every round in the order run; the fields above are the median round's (by ratio). */
  rounds: WebhookRound[];
  /** The median of the rounds' app p99s, which the p99 bar is judged on. */
  appP99Ms: number;
  check: StorageCheck;
}

/**
 * Bare Express and the real app, each in its own process, each warmed up first, at the same
 * concurrency with the same kind of signed distinct events, in rounds taken back to back (each app
 * round starting with no backlog); then checks the app stored and processed every event it
 * acknowledged, in every round.
 */
export async function benchWebhooks(opts: WebhookBenchOptions): Promise<WebhookBench> {
  const secret = newWebhookSecret();
  const databasePath = path.join(opts.dir, 'webhooks.db');
  const bare = await startChildServer('bare-server', serverEnv());
  const app = await startChildServer(
    'app-server',
    { ...appEnv(databasePath, secret), ...(opts.isIngestOnly && { BENCH_PROCESSOR: 'off' }), ...opts.appEnv },
    opts.appNodeFlags,
  );
  try {
    const source = new CheckoutEventSource(secret);
    const bareSource = new CheckoutEventSource(secret);
    const load = {
      connections: opts.connections,
      ...(opts.events ? { amount: opts.events } : { durationS: opts.durationS }),
    };

    opts.log(`warming up (${opts.warmupS} s each)`);
    await postCheckoutEvents(bare, bareSource, { connections: opts.connections, durationS: opts.warmupS });
    const warm = await postCheckoutEvents(app, source, { connections: opts.connections, durationS: opts.warmupS });
    const acked = [...warm.acked];

    const rounds: WebhookRound[] = [];
    for (let round = 1; round <= opts.rounds; round++) {
      await settle(app);
      await app.command('drain'); // every measured app run starts with no backlog
      await Promise.all([bare.command('reset'), app.command('reset')]);

      opts.log(`round ${round} of ${opts.rounds}: bare Express, then the app, POST /webhooks/stripe`);
      const bareRun = await postCheckoutEvents(bare, bareSource, { ...load, onTick: progress(opts.log, 'bare') });
      const bareStats = await bare.stats();

      let completed = 0;
      const memory = sampleMemory(app, 500, () => completed);
      const report = progress(opts.log, 'app');
      const appRun = await postCheckoutEvents(app, source, {
        ...load,
        onTick: (n) => {
          completed = n;
          report(n);
        },
      });
      const samples = await memory.stop();
      await settle(app);
      const appStats = await app.stats();
      const statuses = await app.command<Record<string, number>>('statuses');
      acked.push(...appRun.acked);
      rounds.push({
        bare: summarise(bareRun, bareStats),
        app: {
          ...summarise(appRun, appStats),
          backlogAtEnd: (statuses.pending ?? 0) + (statuses.retrying ?? 0),
          rssMb: rssRange(samples),
        },
        ratio: appRun.ratePerS / bareRun.ratePerS,
      });
      const last = rounds.at(-1)!;
      opts.log(
        `  round ${round}: bare ${Math.round(last.bare.ratePerS)}/s, app ${Math.round(last.app.ratePerS)}/s (${last.ratio.toFixed(2)}×), app p99 ${last.app.latency.p99Ms.toFixed(1)} ms`,
      );
    }

    opts.log('draining the processor and checking every acknowledged event');
    const check = await checkStoredAndProcessed(app, databasePath, source, acked);
    const median = medianBy(rounds, (round) => round.ratio);
    return { ...median, rounds, appP99Ms: medianOf(rounds.map((round) => round.app.latency.p99Ms)), check };
  } finally {
    await Promise.all([bare.stop(), app.stop()]);
  }
}

export interface MemoryBench {
  events: number;
  ratePerS: number;
  latency: LatencySummary;
  non2xx: number;
  rssMb: { start: number; peak: number; end: number; afterDrainAndGc: number };
  heapUsedMb: { start: number; end: number; afterDrainAndGc: number };
  /**
   * RSS growth over the second half of the run, per 10,000 events, garbage included: it rises and
   * falls with the collector.
   */
  secondHalfGrowthMbPer10k: number;
  /**
   * The same for RSS right after a full collection, sampled every few seconds: what the app keeps,
   * near zero when nothing leaks.
   */
  retainedGrowthMbPer10k: number;
  samples: MemorySample[];
  retainedSamples: MemorySample[];
  check: StorageCheck;
}

/**
 * A fresh app takes `events` webhooks (100,000 by default) while its memory is sampled twice a second,
 * and after a full collection every 3 s.
 */
export async function benchMemory(opts: {
  dir: string;
  connections: number;
  events: number;
  log: Log;
}): Promise<MemoryBench> {
  const secret = newWebhookSecret();
  const databasePath = path.join(opts.dir, 'memory.db');
  const app = await startChildServer('app-server', appEnv(databasePath, secret));
  try {
    const source = new CheckoutEventSource(secret);
    const warm = await postCheckoutEvents(app, source, { connections: opts.connections, amount: 2_000 });
    await settle(app);
    await app.command('drain');
    const start = await app.command<NodeJS.MemoryUsage>('gc');

    opts.log(`app: ${opts.events.toLocaleString('en')} webhooks, sampling memory`);
    let completed = 0;
    const memory = sampleMemory(app, 500, () => completed);
    const retained = sampleMemory(app, 3000, () => completed, { afterGc: true });
    const report = progress(opts.log, 'app');
    const run = await postCheckoutEvents(app, source, {
      connections: opts.connections,
      amount: opts.events,
      onTick: (n) => {
        completed = n;
        report(n);
      },
    });
    completed = run.completed;
    const samples = await memory.stop();
    const retainedSamples = await retained.stop();
    const end = (await app.stats()).memory;
    const check = await checkStoredAndProcessed(app, databasePath, source, [...warm.acked, ...run.acked]);
    const settled = await app.command<NodeJS.MemoryUsage>('gc');
    const { acked: _acked, ...rest } = run;
    const mb = (bytes: number) => bytes / 2 ** 20;
    return {
      events: opts.events,
      ratePerS: rest.ratePerS,
      latency: rest.latency,
      non2xx: rest.non2xx,
      rssMb: {
        start: mb(start.rss),
        peak: Math.max(mb(end.rss), ...samples.map((s) => s.rssMb)),
        end: mb(end.rss),
        afterDrainAndGc: mb(settled.rss),
      },
      heapUsedMb: { start: mb(start.heapUsed), end: mb(end.heapUsed), afterDrainAndGc: mb(settled.heapUsed) },
      secondHalfGrowthMbPer10k: growthPer10k(samples, opts.events),
      retainedGrowthMbPer10k: growthPer10k(retainedSamples, opts.events),
      samples,
      retainedSamples,
      check,
    };
  } finally {
    await app.stop();
  }
}

function summarise(run: WebhookLoadResult, stats: ServerStats): RunSummary {
  const { acked: _acked, ...rest } = run;
  return { ...rest, server: stats.server };
}

function rssRange(samples: MemorySample[]) {
  const rss = samples.map((s) => s.rssMb);
  return { start: rss[0] ?? 0, peak: Math.max(0, ...rss), end: rss.at(-1) ?? 0 };
}

/** Least-squares slope of RSS against events completed, over samples past the halfway mark. */
function growthPer10k(samples: MemorySample[], events: number): number {
  const half = samples.filter((s) => s.completed >= events / 2);
  if (half.length < 3) return 0;
  const meanX = half.reduce((sum, s) => sum + s.completed, 0) / half.length;
  const meanY = half.reduce((sum, s) => sum + s.rssMb, 0) / half.length;
  let num = 0;
  let den = 0;
  for (const s of half) {
    num += (s.completed - meanX) * (s.rssMb - meanY);
    den += (s.completed - meanX) ** 2;
  }
  return den === 0 ? 0 : (num / den) * 10_000;
}

/** A progress line every five seconds (the load reports once a second). */
export function progress(log: Log, label: string) {
  let ticks = 0;
  let last = 0;
  return (completed: number) => {
    if (++ticks % 5 !== 0) return;
    log(
      `  ${label}: ${completed.toLocaleString('en')} requests, ${Math.round((completed - last) / 5).toLocaleString('en')}/s lately`,
    );
    last = completed;
  };
}
