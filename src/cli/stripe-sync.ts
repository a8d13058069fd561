import { createContext } from '../context.js';
import { catchUpEvents } from '../stripe/catch-up.js';
import { gapMessage } from '../stripe/catch-up-schedule.js';
import { formatNumber } from '../lib/format.js';
import { parseOptions, type Command } from './command.js';
import { UsageError } from '../errors.js';

export const stripeSyncCommand: Command = {
  summary:
    'stripe:sync [--since YYYY-MM-DD | --since-event evt_...]: catch up on webhooks Stripe did not deliver, ' +
    "from Stripe's Events API (the last 30 days), and process them",
  async run(args, config) {
    const { values } = parseOptions(args, { since: { type: 'string' }, 'since-event': { type: 'string' } });
    if (values.since !== undefined && values['since-event'] !== undefined)
      throw new UsageError('usage', 'give --since or --since-event, not both');
    const sinceCreated = values.since === undefined ? undefined : parseDay(values.since);
    const sinceEventId = values['since-event'];
    if (sinceEventId !== undefined && !/^evt_[A-Za-z0-9]+$/.test(sinceEventId))
      throw new UsageError('usage', `--since-event must be a Stripe event id, evt_… (got "${sinceEventId}")`);
    if (!config.secrets.stripeSecretKey)
      throw new UsageError('usage', 'STRIPE_SECRET_KEY is not set: the catch-up reads events from the Stripe API');
    const ctx = createContext(config);
    try {
      const summary = await catchUpEvents(
        { db: ctx.db, stripe: ctx.stripe, writer: ctx.eventWriter, clock: ctx.clock, onStored: () => undefined },
        {
          sinceCreated,
          sinceEventId,
          // Pages are counted as they come: Stripe does not say how many there will be.
          onPage: (p) =>
            process.stderr.write(
              `progress: page ${formatNumber(p.pages)}, ${formatNumber(p.listed)} events listed, ${formatNumber(p.stored)} new\n`,
            ),
        },
      );
      if (summary.gap) process.stderr.write(`WARNING: ${gapMessage(summary.gap.asked, summary.gap.retentionStart)}\n`);
      await ctx.events.drain(); // processed here, as the webhook's worker would
      const since = new Date(summary.from * 1000).toISOString();
      process.stdout.write(
        `caught up from ${since}${summary.isResumed ? ' (resuming a run that stopped)' : ''}: ` +
          `${formatNumber(summary.listed)} events listed, ${formatNumber(summary.stored)} not delivered by webhook were stored and processed\n`,
      );
      return 0;
    } finally {
      await ctx.close();
    }
  },
};

function parseDay(raw: string): number {
  const ms = /^\d{4}-\d{2}-\d{2}$/.test(raw) ? Date.parse(`${raw}T00:00:00Z`) : NaN;
  if (!Number.isFinite(ms) || new Date(ms).toISOString().slice(0, 10) !== raw)
    throw new UsageError('usage', `--since must be a day, YYYY-MM-DD (got "${raw}")`);
  return ms / 1000;
}
