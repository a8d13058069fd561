import { createContext } from '../context.js';
import { countEventsByStatus, requeueEvents, type EventStatus } from '../stripe/events.queries.js';
import { parseOptions, type Command } from './command.js';
import { UsageError } from '../errors.js';

const STATUSES: EventStatus[] = ['pending', 'processed', 'ignored', 'retrying', 'failed'];

export const eventsReplayCommand: Command = {
  summary: 'events:replay [--status failed,retrying]: re-process stored Stripe events (all by default)',
  async run(args, config) {
    const { values } = parseOptions(args, { status: { type: 'string' } });
    const statuses = values.status?.split(',').map((s) => s.trim()) as EventStatus[] | undefined;
    const unknown = statuses?.filter((s) => !STATUSES.includes(s));
    if (unknown?.length)
      throw new UsageError('usage', `unknown status ${unknown.join(', ')}; use ${STATUSES.join(', ')}`);
    const ctx = createContext(config);
    try {
      const queued = requeueEvents(ctx.db, ctx.clock.now(), statuses);
      process.stdout.write(`re-processing ${queued} stored events…\n`);
      await ctx.events.drain();
      const counts = countEventsByStatus(ctx.db);
      process.stdout.write(`done: ${STATUSES.map((s) => `${counts[s] ?? 0} ${s}`).join(', ')}\n`);
      return (counts.failed ?? 0) + (counts.retrying ?? 0) > 0 ? 2 : 0;
    } finally {
      await ctx.close();
    }
  },
};
