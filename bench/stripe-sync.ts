import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { periodOf } from '../src/lib/months.js';
import { startStripeStandIn, type StripeObject, type StripeStandIn } from '../test/helpers/stripe-stand-in.js';
import { CheckoutEventSource } from './checkout-events.js';
import { BENCH_DIR, startChildServer, type ChildServer } from './child-server.js';
import { appEnv, newWebhookSecret } from './environment.js';
import { medianOf } from './rounds.js';
import { postCheckoutEvents, sampleMemory, settle } from './webhooks.js';

const USAGE = `npm run bench:stripe-sync -- [options]
  --events N        events (and checkout sessions) per round (default 100000: 1,000 pages of 100)
  --rounds N        rounds of webhook posting then catch-up, each on fresh databases; the median decides (default 3)
  --connections N   concurrent connections posting webhooks (default 50)
  --keep            keep the temporary database files`;

/** The issue's bars. */
const BARS = { catchUpRatio: 0.8, heapGrowthMb: 20, monthCheckS: 60, monthCheckRssMb: 250 };

interface CatchUp {
  ms: number;
  listed: number;
  stored: number;
  pages: number;
}
interface MonthCheck {
  ms: number;
  sessions: number;
  differences: number;
  paidHere: number;
  rssStartMb: number;
  rssPeakMb: number;
}

/**
 * The catch-up against posting the same events to the webhook endpoint, in rounds taken back to
 * back (each on fresh databases: the app in its own process, the Stripe stand-in and the load
 * generator in this one); then the month check over every session of the last round, after its
 * events were processed into orders.
 */
async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      events: { type: 'string', default: '100000' },
      rounds: { type: 'string', default: '3' },
      connections: { type: 'string', default: '50' },
      keep: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) return (void process.stdout.write(`${USAGE}\n`), 0);
  const events = Number(values.events);
  const rounds = Number(values.rounds);
  const connections = Number(values.connections);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'socks-bench-sync-'));
  const log = (line: string) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`);
  const stripe = await startStripeStandIn(100);
  const secret = newWebhookSecret();
  try {
    log(`Stripe stand-in: ${events.toLocaleString('en')} events and checkout sessions`);
    const source = new CheckoutEventSource(secret);
    for (let i = 0; i < events; i++) fillStandIn(stripe, JSON.parse(source.next().body) as StripeObject);
    const period = periodOf(Date.now());

    const results: {
      webhookPerS: number;
      catchUpPerS: number;
      ratio: number;
      heapMb: { start: number; peak: number; end: number };
    }[] = [];
    let last: ChildServer | null = null;
    for (let round = 1; round <= rounds; round++) {
      const posted = await startChildServer('app-server', appEnv(path.join(dir, `webhooks-${round}.db`), secret));
      // Warmed up first, as bench/run.ts warms the app up; the catch-up gets no such help.
      const postedSource = new CheckoutEventSource(secret);
      await postCheckoutEvents(posted, postedSource, { connections, amount: Math.min(2000, Math.ceil(events / 10)) });
      await settle(posted);
      await posted.command('drain'); // no backlog from the warm-up during the measured run
      const webhook = await postCheckoutEvents(posted, postedSource, { connections, amount: events });
      await settle(posted);
      await posted.stop();
      const webhookPerS = webhook.ok / webhook.durationS;

      await last?.stop();
      const env = {
        ...appEnv(path.join(dir, `catch-up-${round}.db`), secret),
        STRIPE_SECRET_KEY: 'sk_test_bench',
        STRIPE_API_URL: stripe.url,
        BENCH_PERIOD: period,
      };
      last = await startChildServer('sync-server', env);
      let listed = 0;
      const memory = sampleMemory(last, 1000, () => listed, { afterGc: true });
      const caught = await last.command<CatchUp>('catch-up');
      listed = caught.listed;
      const samples = await memory.stop();
      if (caught.stored !== events) throw new Error(`the catch-up stored ${caught.stored} of ${events} events`);
      const catchUpPerS = caught.stored / (caught.ms / 1000);
      const heap = samples.map((s) => s.heapUsedMb);
      const result = {
        webhookPerS,
        catchUpPerS,
        ratio: catchUpPerS / webhookPerS,
        heapMb: { start: heap[0] ?? 0, peak: Math.max(...heap), end: heap[heap.length - 1] ?? 0 },
      };
      results.push(result);
      log(
        `round ${round}: webhooks ${Math.round(webhookPerS)}/s (${webhook.ok} acknowledged), catch-up ${Math.round(catchUpPerS)}/s over ${caught.pages} pages: ${result.ratio.toFixed(2)}×; ` +
          `heap after GC ${mb(result.heapMb.start)} → peak ${mb(result.heapMb.peak)} → ${mb(result.heapMb.end)} MB`,
      );
    }
    log('processing the last round’s events into orders');
    const drained = await last!.command<{ drainMs: number; orders: number }>('drain');
    log(
      `${drained.orders.toLocaleString('en')} paid orders after ${(drained.drainMs / 1000).toFixed(1)} s; checking ${period} against Stripe`,
    );
    const check = await last!.command<MonthCheck>('month-check');
    await last!.stop();

    const ratio = medianOf(results.map((r) => r.ratio));
    const heapGrowth = medianOf(results.map((r) => r.heapMb.end - r.heapMb.start));
    const verdicts = [
      {
        bar: `catch-up ≥ ${BARS.catchUpRatio}× webhook posting (median of ${rounds})`,
        figure: `${ratio.toFixed(2)}× (rounds: ${results.map((r) => `${r.ratio.toFixed(2)}×`).join(', ')})`,
        isMet: ratio >= BARS.catchUpRatio,
      },
      {
        bar: `catch-up memory flat (heap after GC, end − start < ${BARS.heapGrowthMb} MB)`,
        figure: `${heapGrowth.toFixed(1)} MB over ${events.toLocaleString('en')} events`,
        isMet: heapGrowth < BARS.heapGrowthMb,
      },
      {
        bar: `month check over ${check.sessions.toLocaleString('en')} sessions < ${BARS.monthCheckS} s`,
        figure: `${(check.ms / 1000).toFixed(1)} s (${check.differences} differences, ${check.paidHere.toLocaleString('en')} paid orders here)`,
        isMet: check.ms < BARS.monthCheckS * 1000 && check.sessions === events && check.differences === 0,
      },
      {
        bar: `month check memory < ${BARS.monthCheckRssMb} MB`,
        figure: `RSS ${mb(check.rssStartMb)} → peak ${mb(check.rssPeakMb)} MB (the whole app process)`,
        isMet: check.rssPeakMb < BARS.monthCheckRssMb,
      },
    ];
    const table = verdicts.map((v) => `${v.isMet ? 'PASS' : 'FAIL'}  ${v.bar}: ${v.figure}`).join('\n');
    process.stdout.write(`\n${table}\n`);
    const resultsDir = path.join(BENCH_DIR, 'results');
    fs.mkdirSync(resultsDir, { recursive: true });
    fs.writeFileSync(
      path.join(resultsDir, 'stripe-sync.json'),
      JSON.stringify({ events, rounds: results, drained, check, verdicts }, null, 2),
    );
    return verdicts.every((v) => v.isMet) ? 0 : 1;
  } finally {
    await stripe.close();
    if (!values.keep) fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The event as Stripe's Events API keeps it, and its checkout session as the sessions list has it (no line items). */
function fillStandIn(stripe: StripeStandIn, event: StripeObject): void {
  stripe.events.put(event);
  const { line_items: _lines, ...session } = (event.data as { object: StripeObject }).object;
  stripe.sessions.put(session as StripeObject);
}

const mb = (n: number) => n.toFixed(0);

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  },
);
