import { sql } from 'drizzle-orm';
import { createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createContext } from '../../src/context.js';
import { freshTotals } from '../../src/db/running-sums.js';
import { readTotals } from '../../src/ledger/ledger.queries.js';
import { countEventsByStatus } from '../../src/stripe/events.queries.js';
import { serveForBench } from './serve.js';

/**
 * The real app in its own process, started as src/main.ts starts it (context, app, event
 * processor, mail outbox), but configured only by the environment the benchmark passes: no `.env` file.
 */
const config = loadConfig({ ...process.env });
const ctx = createContext(config);
const app = createApp(ctx);
// Off only to measure storing alone (run.ts --ingest-only); `drain` still processes everything.
if (process.env.BENCH_PROCESSOR !== 'off') ctx.events.start();
ctx.mail.start(); // receipts go out as files in the run's temporary directory
ctx.backups.start(); // only when the bench sets BACKUP_DIR

serveForBench(
  app,
  {
    statuses: () => countEventsByStatus(ctx.db),
    /** Processes everything stored so far, then reports what the database holds. */
    drain: async () => {
      const started = performance.now();
      await ctx.events.drain();
      const drainMs = performance.now() - started;
      const orders = ctx.db.get<{ n: number }>(sql`select count(*) as n from orders`)?.n ?? 0;
      return {
        drainMs,
        statuses: countEventsByStatus(ctx.db),
        totals: readTotals(ctx.db),
        ledger: freshTotals(ctx.db),
        orders,
      };
    },
  },
  () => ctx.close(),
);
