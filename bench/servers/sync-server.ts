import { sql } from 'drizzle-orm';
import { createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createContext } from '../../src/context.js';
import { catchUpEvents } from '../../src/stripe/catch-up.js';
import { countEventsByStatus } from '../../src/stripe/events.queries.js';
import { isLiveKey } from '../../src/stripe/line-items.js';
import { checkMonthAgainstStripe } from '../../src/stripe/month-check.js';
import { serveForBench } from './serve.js';

/**
 * The real app in its own process, as app-server.ts starts it, with STRIPE_API_URL pointing at the
 * bench's Stripe stand-in, and two more commands: catch up from the Events API (as the server's job
 * does, processing alongside as it would), and check BENCH_PERIOD against Stripe.
 */
const config = loadConfig({ ...process.env });
const ctx = createContext(config);
const app = createApp(ctx);
ctx.events.start();
ctx.mail.start();

serveForBench(
  app,
  {
    statuses: () => countEventsByStatus(ctx.db),
    'catch-up': async () => {
      const started = performance.now();
      const summary = await catchUpEvents({
        db: ctx.db,
        stripe: ctx.stripe,
        writer: ctx.eventWriter,
        clock: ctx.clock,
        onStored: () => ctx.events.eventArrived(),
      });
      return { ms: performance.now() - started, listed: summary.listed, stored: summary.stored, pages: summary.pages };
    },
    drain: async () => {
      const started = performance.now();
      await ctx.events.drain();
      const orders = ctx.db.get<{ n: number }>(sql`select count(*) as n from orders where status = 'paid'`)?.n ?? 0;
      return { drainMs: performance.now() - started, orders, statuses: countEventsByStatus(ctx.db) };
    },
    'month-check': async () => {
      (globalThis as { gc?: () => void }).gc?.();
      const rssStart = process.memoryUsage().rss;
      let rssPeak = rssStart;
      const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, process.memoryUsage().rss)), 20);
      const started = performance.now();
      const report = await checkMonthAgainstStripe(
        {
          db: ctx.db,
          stripe: ctx.stripe,
          isLiveKey: isLiveKey(config.secrets.stripeSecretKey),
          now: ctx.clock.now(),
        },
        process.env.BENCH_PERIOD!,
      );
      const ms = performance.now() - started;
      clearInterval(sampler);
      rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
      return {
        ms,
        sessions: report.counted.sessions,
        differences: report.differences.length,
        paidHere: report.currencies.reduce((n, c) => n + c.ledger.paidCount, 0),
        rssStartMb: rssStart / 2 ** 20,
        rssPeakMb: rssPeak / 2 ** 20,
      };
    },
  },
  () => ctx.close(),
);
