import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { BENCH_DIR, startChildServer, type ChildServer } from './child-server.js';
import { medianBy, medianOf } from './rounds.js';
import { appEnv, newWebhookSecret, serverEnv } from './environment.js';
import { generateOrders } from './generate-orders.js';
import { comparePages, fetchPage, machineLine, type PageRoute, type PageRun } from './page-load.js';

/**
 * The shopper-facing pages under load, on a database of 1M orders from 100k supporters:
 * GET /impact/:token (a different supporter on every request), GET / and GET /badge.svg, each
 * against bare Express sending the same bytes, in the same run, each server in its own process.
 *
 *   npm run bench:pages -- [--orders N] [--supporters N] [--duration S] [--rounds N] [--connections N] [--orders-file FILE] [--routes impact,home,badge] [--profile] [--metrics]
 *
 * The machine may be shared, so each route runs in rounds (bare, then app, back to back) and the
 * verdict takes the median round: one noisy neighbour cannot decide it either way.
 */

const BARS = { impactRatio: 0.6, impactP99Ms: 20, homeRatio: 0.8, badgeRatio: 0.8 };
const TOKENS_USED = 20_000;

interface Route extends PageRoute {
  name: 'impact' | 'home' | 'badge';
  bar: number;
}

type Round = { bare: PageRun; app: PageRun; ratio: number };
type Result = { route: Route; rounds: Round[]; median: Round };

const median = (rounds: Round[]): Round => medianBy(rounds, (round) => round.ratio);

const log = (line: string) => process.stderr.write(`${line}\n`);

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      orders: { type: 'string', default: '1000000' },
      supporters: { type: 'string', default: '100000' },
      duration: { type: 'string', default: '6' },
      rounds: { type: 'string', default: '3' },
      warmup: { type: 'string', default: '3' },
      connections: { type: 'string', default: '50' },
      'orders-file': { type: 'string' },
      routes: { type: 'string', default: 'impact,home,badge' },
      profile: { type: 'boolean', default: false },
      /** With METRICS_TOKEN set, as an install that is monitored runs: every request is timed for /metrics. */
      metrics: { type: 'boolean', default: false },
    },
  });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'socks-bench-pages-'));
  const file = values['orders-file'] ? path.resolve(values['orders-file']) : path.join(dir, 'orders.db');
  const connections = Number(values.connections);
  const durationS = Number(values.duration);
  const warmupS = Number(values.warmup);
  const rounds = Number(values.rounds);
  log(machineLine('bench:pages'));

  if (fs.existsSync(file) && values['orders-file']) log(`reusing ${file}`);
  else {
    log(
      `generating ${Number(values.orders).toLocaleString('en')} orders from ${Number(values.supporters).toLocaleString('en')} supporters`,
    );
    const data = generateOrders({ out: file, orders: Number(values.orders), supporters: Number(values.supporters) });
    log(`  done in ${data.seconds.toFixed(1)} s: ${data.pairs.toLocaleString('en')} pairs`);
  }
  const tokens = sampleTokens(file, TOKENS_USED);
  let turn = 0;
  const allRoutes: Route[] = [
    {
      name: 'impact',
      label: 'GET /impact/:token',
      bar: BARS.impactRatio,
      next: () => `/impact/${tokens[turn++ % tokens.length]}`,
    },
    { name: 'home', label: 'GET /', bar: BARS.homeRatio, next: () => '/' },
    { name: 'badge', label: 'GET /badge.svg', bar: BARS.badgeRatio, next: () => '/badge.svg' },
  ];
  const wanted = values.routes.split(',').map((name) => name.trim());
  const unknown = wanted.filter((name) => !allRoutes.some((route) => route.name === name));
  if (unknown.length > 0)
    throw new Error(
      `unknown route ${unknown.join(', ')}: choose from ${allRoutes.map((route) => route.name).join(', ')}`,
    );
  const routes = allRoutes.filter((route) => wanted.includes(route.name));

  // --profile: a CPU profile of the app's process for the whole run, in bench/results/profiles/.
  const appNodeFlags = values.profile
    ? ['--cpu-prof', `--cpu-prof-dir=${path.join(BENCH_DIR, 'results', 'profiles')}`]
    : [];
  const metricsEnv: Record<string, string> = values.metrics ? { METRICS_TOKEN: randomBytes(24).toString('hex') } : {};
  const app = await startChildServer(
    'app-server',
    { ...appEnv(file, newWebhookSecret()), ...metricsEnv },
    appNodeFlags,
  );
  let bare: ChildServer | undefined;
  try {
    const bodiesFile = path.join(dir, 'bodies.json');
    fs.writeFileSync(bodiesFile, JSON.stringify(await captureBodies(app.url, tokens[0]!)));
    // child-server's type names only the servers it was written for; this one follows the same protocol.
    bare = await startChildServer('bare-pages-server' as 'bare-server', {
      ...serverEnv(),
      BENCH_PAGE_BODIES: bodiesFile,
    });

    const results: Result[] = [];
    for (const route of routes) {
      log(
        `${route.label}: warm-up ${warmupS} s each, then ${rounds} rounds of ${durationS} s bare Express and ${durationS} s app, ${connections} connections`,
      );
      const compared = await comparePages(
        { name: 'bare', server: bare, route },
        { name: 'app', server: app, route },
        { connections, durationS, warmupS, rounds, log },
      );
      const runs = compared.map((round) => ({ bare: round.baseline, app: round.candidate, ratio: round.ratio }));
      results.push({ route, rounds: runs, median: median(runs) });
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
  return {
    home: await fetchPage(url, '/', 'camera-trap-weeks funded'),
    impact: await fetchPage(url, `/impact/${token}`, 'Your orders'),
    badge: await fetchPage(url, '/badge.svg', '<svg'),
  };
}

function report(results: Result[]): number {
  const ms = (n: number) => n.toFixed(2);
  const lines = [['load (median round)', 'req/s', 'p50 ms', 'p99 ms', 'max ms', 'server p99 ms']];
  for (const { route, median: m } of results) {
    for (const [who, run] of [
      ['bare', m.bare],
      ['app', m.app],
    ] as const) {
      lines.push([
        `${route.label} ${who}`,
        Math.round(run.ratePerS).toLocaleString('en'),
        ms(run.latency.p50Ms),
        ms(run.latency.p99Ms),
        ms(run.latency.maxMs),
        ms(run.server.p99Ms),
      ]);
    }
  }
  const widths = lines[0]!.map((_, i) => Math.max(...lines.map((l) => l[i]!.length)));
  const out = lines.map((l) =>
    l.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  '),
  );

  const verdicts: { bar: string; figure: string; isMet: boolean }[] = [];
  for (const { route, rounds, median: m } of results) {
    const all = rounds.map((r) => `${r.ratio.toFixed(2)}×`).join(', ');
    verdicts.push({
      bar: `${route.label} ≥ ${route.bar}× bare Express`,
      figure: `${m.ratio.toFixed(2)}× (rounds: ${all})`,
      isMet: m.ratio >= route.bar,
    });
    if (route.name === 'impact') {
      const p99s = rounds.map((r) => r.app.latency.p99Ms);
      const p99 = medianOf(p99s);
      verdicts.push({
        bar: `${route.label} p99 < ${BARS.impactP99Ms} ms`,
        figure: `${ms(p99)} ms (rounds: ${p99s.map(ms).join(', ')})`,
        isMet: p99 < BARS.impactP99Ms,
      });
    }
  }
  out.push('', ...verdicts.map((v) => `${v.isMet ? 'met    ' : 'NOT MET'}  ${v.bar}: ${v.figure}`));
  process.stdout.write(`${out.join('\n')}\n`);
  const resultsDir = path.join(BENCH_DIR, 'results');
  fs.mkdirSync(resultsDir, { recursive: true });
  const saved = results.map(({ route, rounds }) => ({ route: route.label, rounds }));
  fs.writeFileSync(
    path.join(resultsDir, 'pages.json'),
    JSON.stringify(
      { at: new Date().toISOString(), cpus: os.cpus().length, loadAverage: os.loadavg(), results: saved, verdicts },
      null,
      2,
    ),
  );
  return verdicts.every((v) => v.isMet) ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    log(error instanceof Error ? (error.stack ?? error.message) : String(error));
    process.exit(1);
  },
);
