import os from 'node:os';
import type { ChildServer } from './child-server.js';
import type { Log } from './environment.js';
import type { LatencySummary } from './latency.js';
import { runLoad, type LoadResult } from './load.js';

/**
 * Pages under load, as the page benches measure them: a route is a label and the path of its next
 * request; each load runs against a server in its own process (child-server.ts), with the server's
 * own timings reset before and read after; and two loads are compared in rounds, back to back, so
 * other work on a shared machine slows both alike.
 */
export interface PageRoute {
  label: string;
  /** The path for the next request. */
  next(): string;
}

export type PageRun = LoadResult & { server: LatencySummary };

/** One round: the baseline's load, then the candidate's, and the candidate's requests/s over the baseline's. */
export interface PageRound {
  baseline: PageRun;
  candidate: PageRun;
  ratio: number;
}

export interface Contender {
  /** How the round's log line names it ("bare", "app", …). */
  name: string;
  server: ChildServer;
  route: PageRoute;
}

export interface CompareOptions {
  connections: number;
  durationS: number;
  warmupS: number;
  rounds: number;
  log: Log;
}

/** "<name>: 2 CPUs, load average …": the first line of a bench, since other work on the machine moves every figure. */
export function machineLine(name: string): string {
  const load = os
    .loadavg()
    .map((n) => n.toFixed(2))
    .join(' ');
  return `${name}: ${os.cpus().length} CPUs, load average ${load}`;
}

/** Requests for `durationS` seconds on `connections` keep-alive connections, each for the route's next path. */
export function loadPage(server: ChildServer, route: PageRoute, connections: number, durationS: number) {
  return runLoad({
    url: server.url,
    path: '/',
    method: 'GET',
    connections,
    durationS,
    setupRequest: (request) => ({ ...request, path: route.next() }),
  });
}

/** A measured load: the server's timings from this load alone; every answer must be a 2xx. */
export async function measurePage(
  server: ChildServer,
  route: PageRoute,
  connections: number,
  durationS: number,
): Promise<PageRun> {
  await server.command('reset');
  const run = await loadPage(server, route, connections, durationS);
  await server.command('idle');
  const { server: serverTime } = await server.stats();
  if (run.non2xx > 0 || run.errors > 0)
    throw new Error(`${server.name} ${route.label}: ${run.non2xx} non-2xx, ${run.errors} errors`);
  return { ...run, server: serverTime };
}

/** A warm-up of each, then `rounds` rounds of the baseline's load and the candidate's, each logged. */
export async function comparePages(
  baseline: Contender,
  candidate: Contender,
  opts: CompareOptions,
): Promise<PageRound[]> {
  await loadPage(baseline.server, baseline.route, opts.connections, opts.warmupS);
  await loadPage(candidate.server, candidate.route, opts.connections, opts.warmupS);
  const rounds: PageRound[] = [];
  for (let round = 1; round <= opts.rounds; round++) {
    const base = await measurePage(baseline.server, baseline.route, opts.connections, opts.durationS);
    const cand = await measurePage(candidate.server, candidate.route, opts.connections, opts.durationS);
    rounds.push({ baseline: base, candidate: cand, ratio: cand.ratePerS / base.ratePerS });
    opts.log(
      `  round ${round}: ${baseline.name} ${Math.round(base.ratePerS)} req/s, ${candidate.name} ${Math.round(cand.ratePerS)} req/s (${rounds.at(-1)!.ratio.toFixed(2)}×), ${candidate.name} p99 ${cand.latency.p99Ms.toFixed(2)} ms`,
    );
  }
  return rounds;
}

/** A page's answer, checked: a 200 holding `mustContain`. */
export async function fetchPage(url: string, pathname: string, mustContain: string) {
  const res = await fetch(`${url}${pathname}`);
  const body = await res.text();
  if (res.status !== 200 || !body.includes(mustContain))
    throw new Error(`${pathname} answered ${res.status}: ${body.slice(0, 200)}`);
  return { type: res.headers.get('content-type') ?? 'text/html', body };
}
