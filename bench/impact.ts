import fs from 'node:fs';
import path from 'node:path';
import { startChildServer, type ChildServer } from './child-server.js';
import { appEnv, newWebhookSecret, serverEnv, type Log } from './environment.js';
import { generateOrders, type GeneratedOrders } from './generate-orders.js';
import type { LatencySummary } from './latency.js';
import { runLoad, type LoadResult } from './load.js';
import { progress } from './webhook-bench.js';

export interface ImpactBenchOptions {
  dir: string;
  connections: number;
  durationS: number;
  warmupS: number;
  orders: number;
  supporters: number;
  /** Reuse this generated file when it exists (it is created there otherwise). */
  ordersFile?: string;
  log: Log;
}

type Run = LoadResult & { server: LatencySummary };

export interface ImpactBench {
  data: GeneratedOrders | { file: string; reused: true };
  answer: unknown;
  bare: Run;
  app: Run;
  /** One connection, no queueing: what a single request costs. */
  unloaded: { bare: Run; app: Run };
  ratio: number;
}

/** GET /api/impact on a database of `orders` paid orders, against a bare Express GET. */
export async function benchImpact(opts: ImpactBenchOptions): Promise<ImpactBench> {
  const file = opts.ordersFile ?? path.join(opts.dir, 'orders.db');
  let data: ImpactBench['data'];
  if (opts.ordersFile && fs.existsSync(opts.ordersFile)) {
    opts.log(`reusing ${opts.ordersFile}`);
    data = { file, reused: true };
  } else {
    opts.log(
      `generating ${opts.orders.toLocaleString('en')} orders from ${opts.supporters.toLocaleString('en')} supporters`,
    );
    let lastReport = 0;
    data = generateOrders({
      out: file,
      orders: opts.orders,
      supporters: opts.supporters,
      onProgress: (done, total) => {
        if (done - lastReport < total / 5 && done < total) return;
        lastReport = done;
        opts.log(`  ${done.toLocaleString('en')} / ${total.toLocaleString('en')} orders`);
      },
    });
    opts.log(`  generated in ${data.seconds.toFixed(1)} s`);
  }

  const bare = await startChildServer('bare-server', serverEnv());
  const app = await startChildServer('app-server', appEnv(file, newWebhookSecret()));
  try {
    const answer = await (await fetch(`${app.url}/api/impact`)).json();
    if ('pairs' in data && (answer as { pairs?: number }).pairs !== data.pairs) {
      throw new Error(`GET /api/impact says ${JSON.stringify(answer)}; the generated file holds ${data.pairs} pairs`);
    }
    opts.log(`warming up (${opts.warmupS} s each)`);
    await getImpact(bare, opts.connections, opts.warmupS);
    await getImpact(app, opts.connections, opts.warmupS);

    opts.log('one connection: GET /api/impact, bare then app');
    const unloaded = {
      bare: await measured(bare, 1, Math.min(5, opts.durationS)),
      app: await measured(app, 1, Math.min(5, opts.durationS)),
    };
    opts.log(`${opts.connections} connections: GET /api/impact, bare then app`);
    const bareRun = await measured(bare, opts.connections, opts.durationS, opts.log);
    const appRun = await measured(app, opts.connections, opts.durationS, opts.log);
    return { data, answer, bare: bareRun, app: appRun, unloaded, ratio: appRun.ratePerS / bareRun.ratePerS };
  } finally {
    await Promise.all([bare.stop(), app.stop()]);
  }
}

function getImpact(
  server: ChildServer,
  connections: number,
  durationS: number,
  onTick?: (completed: number) => void,
): Promise<LoadResult> {
  return runLoad({
    url: server.url,
    path: '/api/impact',
    method: 'GET',
    connections,
    durationS,
    ...(onTick && { onTick }),
  });
}

async function measured(server: ChildServer, connections: number, durationS: number, log?: Log): Promise<Run> {
  await server.command('reset');
  const result = await getImpact(server, connections, durationS, log && progress(log, server.name));
  return { ...result, server: (await server.stats()).server };
}
