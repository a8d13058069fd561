import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { BENCH_DIR, startChildServer, type ChildServer } from './child-server.js';
import { appEnv, newWebhookSecret, serverEnv } from './environment.js';
import { generateOrders } from './generate-orders.js';
import type { LatencySummary } from './latency.js';
import { runLoad, type LoadResult } from './load.js';

/**
 * The shopper-facing pages under load, on a database of 1M orders from 100k supporters:
 * GET /impact/:token (a different supporter on every request), GET / and GET /badge.svg, each
 * against bare Express sending the same bytes, in the same run, each server in its own process.
 *
 *   npm run bench:pages -- [--orders N] [--supporters N] [--duration S] [--connections N] [--orders-file FILE]
 */

const BARS = { impactRatio: 0.6, impactP99Ms: 20, homeRatio: 0.8, badgeRatio: 0.8 };
const TOKENS_USED = 20_000;

interface Route {
  name: 'impact' | 'home' | 'badge';
  label: string;
  bar: number;
  /** The path for the next request. */
  next(): string;
}

type Run = LoadResult & { server: LatencySummary };

const log = (line: string) => process.stderr.write(`${line}\n`);

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      orders: { type: 'string', default: '1000000' },
      supporters: { type: 'string', default: '100000' },
      duration: { type: 'string', default: '10' },
      warmup: { type: 'string', default: '3' },
      connections: { type: 'string', default: '50' },
      'orders-file': { type: 'string' },
    },
  });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'socks-bench-pages-'));
  const file = values['orders-file'] ? path.resolve(values['orders-file']) : path.join(dir, 'orders.db');
  const connections = Number(values.connections);
  const durationS = Number(values.duration);
  const warmupS = Number(values.warmup);
  log(`bench:pages: ${os.cpus().length} CPUs, load average ${os.loadavg().map((n) => n.toFixed(2)).join(' ')}`);

  if (fs.existsSync(file) && values['orders-file']) log(`reusing ${file}`);
  else {
    log(`generating ${Number(values.orders).toLocaleString('en')} orders from ${Number(values.supporters).toLocaleString('en')} supporters`);
    const data = generateOrders({ out: file, orders: Number(values.orders), supporters: Number(values.supporters) });
    log(`  done in ${data.seconds.toFixed(1)} s: ${data.pairs.toLocaleString('en')} pairs`);
  }
  const tokens = sampleTokens(file, TOKENS_USED);
  let turn = 0;
  const routes: Route[] = [
    { name: 'impact', label: 'GET /impact/:token', bar: BARS.impactRatio, next: () => `/impact/${tokens[turn++ % tokens.length]}` },
    { name: 'home', label: 'GET /', bar: BARS.homeRatio, next: () => '/' },
    { name: 'badge', label: 'GET /badge.svg', bar: BARS.badgeRatio, next: () => '/badge.svg' },
  ];

  const app = await startChildServer('app-server', appEnv(file, newWebhookSecret()));
  let bare: ChildServer | undefined;
  try {
    const bodiesFile = path.join(dir, 'bodies.json');
    fs.writeFileSync(bodiesFile, JSON.stringify(await captureBodies(app.url, tokens[0]!)));
    // child-server's type names only the servers it was written for; this one follows the same protocol.
    bare = await startChildServer('bare-pages-server' as 'bare-server', { ...serverEnv(), BENCH_PAGE_BODIES: bodiesFile });

    const results: { route: Route; bare: Run; app: Run }[] = [];
    for (const route of routes) {
      log(`${route.label}: warm-up ${warmupS} s each, then ${durationS} s bare Express, ${durationS} s app, ${connections} connections`);
      await load(bare, route, connections, warmupS);
      await load(app, route, connections, warmupS);
      results.push({ route, bare: await measured(bare, route, connections, durationS), app: await measured(app, route, connections, durationS) });
    }
    return report(results);
  } finally {
    await Promise.all([app.stop(), bare?.stop()]);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Supporters spread over the whole table, so requests touch cold pages as well as hot ones. */
function sampleTokens(file: string, count: number): string[] {
  const sqlite = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return sqlite.prepare('select token from supporters order by random() limit ?').pluck().all(count) as string[];
  } finally {
    sqlite.close();
  }
}

/** The app's real answers, checked, for the baseline to send byte for byte. */
async function captureBodies(url: string, token: string) {
  const get = async (pathname: string, mustContain: string) => {
    const res = await fetch(`${url}${pathname}`);
    const body = await res.text();
    if (res.status !== 200 || !body.includes(mustContain)) throw new Error(`${pathname} answered ${res.status}: ${body.slice(0, 200)}`);
    return { type: res.headers.get('content-type') ?? 'text/html', body };
  };
  return {
    home: await get('/', 'camera-trap-weeks funded'),
    impact: await get(`/impact/${token}`, 'Your orders'),
    badge: await get('/badge.svg', '<svg'),
  };
}

function load(server: ChildServer, route: Route, connections: number, durationS: number): Promise<LoadResult> {
  return runLoad({
    url: server.url,
    path: '/',
    method: 'GET',
    connections,
    durationS,
    setupRequest: (request) => ({ ...request, path: route.next() }),
  });
}

async function measured(server: ChildServer, route: Route, connections: number, durationS: number): Promise<Run> {
  await server.command('reset');
  const run = await load(server, route, connections, durationS);
  await server.command('idle');
  const { server: serverTime } = await server.stats();
  if (run.non2xx > 0 || run.errors > 0) throw new Error(`${server.name} ${route.label}: ${run.non2xx} non-2xx, ${run.errors} errors`);
  return { ...run, server: serverTime };
}

function report(results: { route: Route; bare: Run; app: Run }[]): number {
  const ms = (n: number) => n.toFixed(2);
  const lines = [['load', 'req/s', 'p50 ms', 'p99 ms', 'max ms', 'server p99 ms']];
  for (const { route, bare, app } of results) {
    for (const [who, run] of [['bare', bare], ['app', app]] as const) {
      lines.push([`${route.label} ${who}`, Math.round(run.ratePerS).toLocaleString('en'), ms(run.latency.p50Ms), ms(run.latency.p99Ms), ms(run.latency.maxMs), ms(run.server.p99Ms)]);
    }
  }
  const widths = lines[0]!.map((_, i) => Math.max(...lines.map((l) => l[i]!.length)));
  const out = lines.map((l) => l.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  '));

  const verdicts: { bar: string; figure: string; isMet: boolean }[] = [];
  for (const { route, bare, app } of results) {
    const ratio = app.ratePerS / bare.ratePerS;
    verdicts.push({ bar: `${route.label} ≥ ${route.bar}× bare Express`, figure: `${ratio.toFixed(2)}×`, isMet: ratio >= route.bar });
    if (route.name === 'impact') verdicts.push({ bar: `${route.label} p99 < ${BARS.impactP99Ms} ms`, figure: `${ms(app.latency.p99Ms)} ms`, isMet: app.latency.p99Ms < BARS.impactP99Ms });
  }
  out.push('', ...verdicts.map((v) => `${v.isMet ? 'met    ' : 'NOT MET'}  ${v.bar}: ${v.figure}`));
  process.stdout.write(`${out.join('\n')}\n`);
  const resultsDir = path.join(BENCH_DIR, 'results');
  fs.mkdirSync(resultsDir, { recursive: true });
  fs.writeFileSync(path.join(resultsDir, 'pages.json'), JSON.stringify({ at: new Date().toISOString(), cpus: os.cpus().length, results, verdicts }, null, 2));
  return verdicts.every((v) => v.isMet) ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    log(error instanceof Error ? (error.stack ?? error.message) : String(error));
    process.exit(1);
  },
);
