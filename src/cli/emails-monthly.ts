import { createContext } from '../context.js';
import { monthJustEnded, runMonthlyEmails, type MonthlyRunSummary } from '../email/monthly-run.js';
import { isPeriod } from '../lib/months.js';
import { parseOptions, type Command } from './command.js';
import { formatNumber } from '../lib/format.js';
import { progressReporter } from './progress.js';
import { BadRequestError, UsageError } from '../errors.js';

export const emailsMonthlyCommand: Command = {
  summary:
    'emails:monthly [--period YYYY-MM] [--dry-run]: queue the monthly impact emails (default: ' +
    'the month that just ended)',
  async run(args, config) {
    const { values } = parseOptions(args, {
      period: { type: 'string' },
      'dry-run': { type: 'boolean', default: false },
    });
    if (values.period !== undefined && !isPeriod(values.period))
      throw new UsageError('usage', `--period must look like 2026-10 (got "${values.period}")`);
    const ctx = createContext(config);
    try {
      const period = values.period ?? monthJustEnded(ctx.clock.now());
      const progress = progressReporter('supporters');
      const summary = await runMonthlyEmails(
        { db: ctx.db, mailer: ctx.mail.mailer, clock: ctx.clock },
        { period, isDryRun: values['dry-run'], onProgress: progress.update },
      ).catch((error: unknown) => {
        // A month that is not over yet, say: the arguments were wrong.
        throw error instanceof BadRequestError ? new UsageError('usage', error.message) : error;
      });
      progress.finish();
      process.stdout.write(describeRun(summary));
      return 0;
    } finally {
      await ctx.close();
    }
  },
};

export function describeRun(summary: MonthlyRunSummary): string {
  const n = (value: number) => formatNumber(value).padStart(9);
  const { skipped } = summary;
  const skippedTotal = skipped.alreadyQueued + skipped.unsubscribed + skipped.undeliverable + skipped.noImpact;
  const lines = [
    `monthly impact emails for ${summary.period}${summary.isDryRun ? ' (dry run: nothing was queued)' : ''}`,
    `  supporters         ${n(summary.supporters)}`,
    `  ${summary.isDryRun ? 'would queue' : 'queued     '}        ${n(summary.queued)}`,
    `  skipped            ${n(skippedTotal)}`,
    `    already queued   ${n(skipped.alreadyQueued)}`,
    `    unsubscribed     ${n(skipped.unsubscribed)}`,
    `    undeliverable    ${n(skipped.undeliverable)}`,
    `    no trap-weeks    ${n(skipped.noImpact)}`,
  ];
  if (summary.sample) {
    lines.push(
      '',
      `sample (to ${summary.sample.to})`,
      `Subject: ${summary.sample.subject}`,
      '',
      summary.sample.text.trimEnd(),
    );
  } else if (!summary.isDryRun && summary.queued > 0) {
    lines.push('', 'The running app sends them: its outbox checks for new emails every second.');
  }
  return `${lines.join('\n')}\n`;
}
