import { createContext } from '../context.js';
import { isPeriod } from '../lib/months.js';
import { COMMAND_LINE } from '../staff/audit-log.js';
import { checkMonthAgainstStripe, type MonthCheckProgress } from '../stripe/month-check.js';
import { applyMonthCheck } from '../stripe/month-check-apply.js';
import { describeMonthCheck, isAgreed } from '../stripe/month-check-report.js';
import { isLiveKey } from '../stripe/line-items.js';
import { formatNumber } from '../lib/format.js';
import { parseOptions, type Command } from './command.js';
import { progressReporter } from './progress.js';
import { BadRequestError, UsageError } from '../errors.js';

export const stripeReconcileCommand: Command = {
  summary:
    'stripe:reconcile --period YYYY-MM [--apply]: check a month against Stripe (exit 2 when they differ); ' +
    '--apply fetches what is missing from Stripe and processes it',
  async run(args, config) {
    const { values } = parseOptions(args, { period: { type: 'string' }, apply: { type: 'boolean', default: false } });
    if (!isPeriod(values.period))
      throw new UsageError(
        'usage',
        `--period must look like 2026-10 (got ${values.period === undefined ? 'nothing' : `"${values.period}"`})`,
      );
    if (!config.secrets.stripeSecretKey)
      throw new UsageError('usage', 'STRIPE_SECRET_KEY is not set: the month check reads the Stripe API');
    const period = values.period;
    const ctx = createContext(config);
    try {
      const deps = {
        db: ctx.db,
        stripe: ctx.stripe,
        isLiveKey: isLiveKey(config.secrets.stripeSecretKey),
        now: ctx.clock.now(),
      };
      const report = await checkMonthAgainstStripe(deps, period, { onProgress: everyTenPages() }).catch(
        (error: unknown) => {
          throw error instanceof BadRequestError ? new UsageError('usage', error.message) : error;
        },
      );
      process.stdout.write(describeMonthCheck(report));
      if (isAgreed(report)) return 0;
      if (!values.apply) return 2;
      const progress = progressReporter('differences fixed');
      const applied = await applyMonthCheck(
        { db: ctx.db, stripe: ctx.stripe, now: () => ctx.clock.now(), onStored: () => undefined },
        report,
        COMMAND_LINE,
        { onProgress: progress.update },
      );
      progress.finish();
      await ctx.events.drain(); // processed as a webhook's event would be
      process.stdout.write(
        `recovered ${formatNumber(applied.recovered)} from Stripe (marked as recovered by the month check, audited); ` +
          `${formatNumber(applied.unchanged)} already agreed when fetched again; ${formatNumber(applied.leftForStaff)} left for staff\n`,
      );
      return 0;
    } finally {
      await ctx.close();
    }
  },
};

/** Stripe does not say how long a list is: progress is counted, a line every ten pages. */
function everyTenPages() {
  let lastLine = 0;
  return (p: MonthCheckProgress) => {
    const read = p.sessions + p.refunds + p.disputes + p.orders;
    if (read - lastLine < 1000) return;
    lastLine = read;
    process.stderr.write(
      `progress: ${formatNumber(p.sessions)} sessions, ${formatNumber(p.refunds)} refunds, ${formatNumber(p.disputes)} disputes, ${formatNumber(p.orders)} orders here\n`,
    );
  };
}
