import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { BENCH_DIR } from './child-server.js';
import { benchImpact, type ImpactBench } from './impact.js';
import { renderTable, verdicts } from './report.js';
import { benchMemory, benchWebhooks, type MemoryBench, type WebhookBench } from './webhook-bench.js';

const USAGE = `npm run bench -- [options]
  --only LIST          sections to run, comma-separated: webhooks,memory,impact (default: all)
  --duration S         seconds per measured load (default 8)
  --rounds N           webhooks: rounds of bare Express then the app; verdicts take the median round (default 3)
  --events N           webhooks: post exactly N events per round instead of running for --duration
  --connections N      concurrent connections (default 50)
  --warmup S           seconds of warm-up before each measured load (default 2)
  --memory-events N    events in the memory run (default 100000)
  --orders N           orders in the generated database for GET /api/impact (default 1000000)
  --supporters N       supporters in it (default 100000)
  --orders-file FILE   keep the generated database here and reuse it next time
  --profile            write a CPU profile of the app's process during the webhook run to bench/results/profiles/
  --ingest-only        diagnostic: the app does not process events during the webhook load, only stores them
  --keep               keep the temporary database files`;

const SECTIONS = ['webhooks', 'memory', 'impact'] as const;

/**
 * Runs the benchmarks for webhook ingestion and the public totals, prints a table and writes
 * bench/results/latest.json.
 */
async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      only: { type: 'string', default: SECTIONS.join(',') },
      duration: { type: 'string', default: '8' },
      rounds: { type: 'string', default: '3' },
      events: { type: 'string' },
      connections: { type: 'string', default: '50' },
      warmup: { type: 'string', default: '2' },
      'memory-events': { type: 'string', default: '100000' },
      orders: { type: 'string', default: '1000000' },
      supporters: { type: 'string', default: '100000' },
      'orders-file': { type: 'string' },
      profile: { type: 'boolean', default: false },
      'ingest-only': { type: 'boolean', default: false },
      keep: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const only = new Set(values.only.split(',').map((s) => s.trim()));
  for (const name of only)
    if (!SECTIONS.includes(name as (typeof SECTIONS)[number]))
      throw new Error(`--only: unknown section "${name}"\n${USAGE}`);
  const options = {
    durationS: positive(values.duration, '--duration'),
    rounds: Math.ceil(positive(values.rounds, '--rounds')),
    events: values.events === undefined ? undefined : positive(values.events, '--events'),
    connections: positive(values.connections, '--connections'),
    warmupS: positive(values.warmup, '--warmup'),
    memoryEvents: positive(values['memory-events'], '--memory-events'),
    orders: positive(values.orders, '--orders'),
    supporters: positive(values.supporters, '--supporters'),
    ordersFile: values['orders-file'] ? path.resolve(values['orders-file']) : undefined,
  };
  const resultsDir = path.join(BENCH_DIR, 'results');
  fs.mkdirSync(resultsDir, { recursive: true });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'socks-bench-'));
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const machine = {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model,
    memoryGb: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
    loadAverage: os.loadavg(),
  };
  log(
    `bench: ${machine.cpus} CPUs (${machine.cpuModel}), load average ${machine.loadAverage.map((n) => n.toFixed(2)).join(' ')}; files in ${dir}`,
  );

  const results: { webhooks?: WebhookBench; memory?: MemoryBench; impact?: ImpactBench } = {};
  try {
    if (only.has('webhooks')) {
      log('\n== webhooks ==');
      const appNodeFlags = values.profile ? ['--cpu-prof', `--cpu-prof-dir=${path.join(resultsDir, 'profiles')}`] : [];
      results.webhooks = await benchWebhooks({
        dir,
        ...options,
        appNodeFlags,
        isIngestOnly: values['ingest-only'],
        log,
      });
    }
    if (only.has('memory')) {
      log('\n== memory ==');
      results.memory = await benchMemory({ dir, connections: options.connections, events: options.memoryEvents, log });
    }
    if (only.has('impact')) {
      log('\n== GET /api/impact ==');
      results.impact = await benchImpact({ dir, ...options, log });
    }
  } finally {
    if (!values.keep) fs.rmSync(dir, { recursive: true, force: true });
  }

  process.stdout.write(`\n${renderTable(results)}\n`);
  const file = path.join(resultsDir, 'latest.json');
  const bars = verdicts(results);
  // Other work on the machine moves every figure here: the load average says how much there was.
  const loadAverageAtEnd = os.loadavg();
  process.stdout.write(
    `load average at start ${machine.loadAverage.map((n) => n.toFixed(2)).join(' ')}, at end ${loadAverageAtEnd.map((n) => n.toFixed(2)).join(' ')}\n`,
  );
  fs.writeFileSync(
    file,
    `${JSON.stringify({ at: new Date().toISOString(), machine: { ...machine, loadAverageAtEnd }, options, bars, ...results }, null, 2)}\n`,
  );
  process.stdout.write(`\nfigures written to ${path.relative(process.cwd(), file)}\n`);
  return bars.every((bar) => bar.isMet) ? 0 : 1;
}

function positive(raw: string, name: string): number {
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must be a positive number (got "${raw}")`);
  return n;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(2);
  },
);
