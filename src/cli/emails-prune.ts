import { createContext } from '../context.js';
import { DEFAULT_KEEP_DAYS, pruneSentBodies, type PruneSummary } from '../email/outbox-retention.js';
import { parseOptions, type Command } from './command.js';
import { formatNumber } from '../lib/format.js';
import { progressReporter } from './progress.js';
import { UsageError } from '../errors.js';

export const emailsPruneCommand: Command = {
  summary:
    'emails:prune [--older-than DAYS] [--dry-run]: empty the text of emails sent more than DAYS ago' +
    ` (default ${DEFAULT_KEEP_DAYS}); their rows stay`,
  async run(args, config) {
    const { values } = parseOptions(args, {
      'older-than': { type: 'string', default: String(DEFAULT_KEEP_DAYS) },
      'dry-run': { type: 'boolean', default: false },
    });
    const keepDays = Number(values['older-than']);
    if (!/^\d+$/.test(values['older-than']) || keepDays < 1) {
      throw new UsageError(
        'usage',
        `--older-than must be a whole number of days, 1 or more (got "${values['older-than']}")`,
      );
    }
    const ctx = createContext(config);
    try {
      const progress = progressReporter('emails');
      const summary = await pruneSentBodies(ctx.db, {
        keepDays,
        now: ctx.clock.now(),
        isDryRun: values['dry-run'],
        onProgress: progress.update,
      });
      progress.finish();
      process.stdout.write(describePrune(summary));
      return 0;
    } finally {
      await ctx.close();
    }
  },
};

export function describePrune(summary: PruneSummary): string {
  const day = new Date(summary.sentBefore).toISOString().slice(0, 10);
  const lines = [
    `emails sent more than ${summary.keepDays} days ago (before ${day} UTC)` +
      (summary.isDryRun ? ' (dry run: nothing was changed)' : ''),
    summary.isDryRun ? `  would empty ${formatNumber(summary.found)}` : `  emptied ${formatNumber(summary.pruned)}`,
    'Their rows stay (recipient, subject, state, Message-ID and times), so nothing is ever sent twice.',
  ];
  return `${lines.join('\n')}\n`;
}
