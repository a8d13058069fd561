import Database from 'better-sqlite3';
import type { CheckoutEventSource } from './checkout-events.js';
import type { ChildServer } from './child-server.js';
import { runLoad, type LoadResult } from './load.js';

export interface WebhookLoadResult extends LoadResult {
  /** Indexes of the events answered 2xx: Stripe would consider these delivered. */
  acked: number[];
  duplicates: number;
}

/** Posts a new signed event on every request; remembers which ones the server acknowledged. */
export async function postCheckoutEvents(
  server: ChildServer,
  source: CheckoutEventSource,
  opts: { connections: number; durationS?: number; amount?: number; onTick?: (completed: number) => void },
): Promise<WebhookLoadResult> {
  const acked: number[] = [];
  let duplicates = 0;
  const result = await runLoad({
    url: server.url,
    path: '/webhooks/stripe',
    method: 'POST',
    ...opts,
    setupRequest: (request, context) => {
      const event = source.next();
      context.index = event.index;
      request.body = event.body;
      request.headers = { 'content-type': 'application/json', 'stripe-signature': event.signature };
      return request;
    },
    onResponse: (status, body, context) => {
      if (status < 200 || status >= 300) return;
      acked.push(context.index as number);
      if (body.includes('"duplicate":true')) duplicates++;
    },
  });
  return { ...result, acked, duplicates };
}

interface DrainReport {
  drainMs: number;
  statuses: Record<string, number>;
  totals: { pairs: number; trapWeeks: number; supporters: number };
  ledger: { pairs: number; trapWeeks: number; supporters: number };
  orders: number;
}

export interface StorageCheck {
  acked: number;
  stored: number;
  ackedButMissing: number;
  processed: number;
  drainMs: number;
  orders: number;
  expected: DrainReport['totals'];
  totals: DrainReport['totals'];
  problems: string[];
}

/**
 * After a run: drains the processor, then checks every acknowledged event is in stripe_events, every
 * stored event was processed into one order, and the totals are exactly what the stored events buy.
 */
export async function checkStoredAndProcessed(
  app: ChildServer,
  databasePath: string,
  source: CheckoutEventSource,
  acked: number[],
): Promise<StorageCheck> {
  await settle(app);
  const report = await app.command<DrainReport>('drain');
  const sqlite = new Database(databasePath, { readonly: true, fileMustExist: true });
  const ids = sqlite.prepare('select id from stripe_events').pluck().all() as string[];
  sqlite.close();
  const stored = new Set<number>();
  const problems: string[] = [];
  for (const id of ids) {
    const index = source.indexOf(id);
    if (index === null) problems.push(`unexpected event ${id}`);
    else stored.add(index);
  }
  const ackedButMissing = acked.filter((index) => !stored.has(index)).length;
  const expected = source.expectedTotals(stored);
  const processed = report.statuses.processed ?? 0;
  if (ackedButMissing > 0) problems.push(`${ackedButMissing} acknowledged events are not stored`);
  if (processed !== ids.length)
    problems.push(`only ${processed} of ${ids.length} stored events processed: ${JSON.stringify(report.statuses)}`);
  if (report.orders !== ids.length) problems.push(`${report.orders} orders for ${ids.length} events`);
  if (JSON.stringify(report.totals) !== JSON.stringify(expected))
    problems.push(`totals ${JSON.stringify(report.totals)}, expected ${JSON.stringify(expected)}`);
  if (JSON.stringify(report.ledger) !== JSON.stringify(report.totals))
    problems.push(`running totals disagree with the ledger ${JSON.stringify(report.ledger)}`);
  return {
    acked: acked.length,
    stored: ids.length,
    ackedButMissing,
    processed,
    drainMs: report.drainMs,
    orders: report.orders,
    expected,
    totals: report.totals,
    problems,
  };
}

/**
 * Waits until the server stores nothing more. A load that stops for its duration hangs up on the
 * requests in flight; their handlers may still store their events after the response is moot.
 */
export async function settle(server: ChildServer): Promise<void> {
  let stored = -1;
  for (;;) {
    await server.command('idle');
    const statuses = await server.command<Record<string, number>>('statuses');
    const now = Object.values(statuses).reduce((sum, n) => sum + n, 0);
    if (now === stored) return;
    stored = now;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

export interface MemorySample {
  atS: number;
  completed: number;
  rssMb: number;
  heapUsedMb: number;
}

/**
 * Samples a server's memory over IPC while a load runs; `completed` is read from the caller.
 * `afterGc`: each sample follows a full collection in the server, so it shows what is retained
 * (a leak) rather than garbage not yet collected.
 */
export function sampleMemory(
  server: ChildServer,
  everyMs: number,
  completed: () => number,
  opts: { afterGc?: boolean } = {},
) {
  const samples: MemorySample[] = [];
  const started = performance.now();
  const take = async () => {
    const memory = opts.afterGc ? await server.command<NodeJS.MemoryUsage>('gc') : (await server.stats()).memory;
    samples.push({
      atS: (performance.now() - started) / 1000,
      completed: completed(),
      rssMb: memory.rss / 2 ** 20,
      heapUsedMb: memory.heapUsed / 2 ** 20,
    });
  };
  const timer = setInterval(() => void take().catch(() => {}), everyMs);
  return {
    samples,
    async stop(): Promise<MemorySample[]> {
      clearInterval(timer);
      await take();
      return samples;
    },
  };
}
