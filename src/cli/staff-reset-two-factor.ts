import { createContext } from '../context.js';
import { UsageError } from '../errors.js';
import { normaliseEmail } from '../lib/email-address.js';
import { COMMAND_LINE } from '../staff/audit-log.js';
import { findStaffByEmail } from '../staff/staff.queries.js';
import { resetTwoFactor } from '../staff/two-factor.js';
import { parseOptions, reportRefusal, type Command } from './command.js';

const USAGE = 'usage: npm run cli -- staff:reset-two-factor --email EMAIL --reason "WHY"';

/** For the day the only admin loses their phone and their recovery codes: audited like the console's reset. */
export const staffResetTwoFactorCommand: Command = {
  summary:
    "staff:reset-two-factor --email EMAIL --reason WHY: take away a staff account's second factor " +
    '(signs them out; they set it up again at their next sign-in)',
  async run(args, config) {
    const { values } = parseOptions(args, { email: { type: 'string' }, reason: { type: 'string' } });
    const email = normaliseEmail(values.email);
    if (!email || !values.reason?.trim()) throw new UsageError('usage', USAGE);
    const ctx = createContext(config);
    try {
      const member = findStaffByEmail(ctx.db, email);
      if (!member) {
        process.stderr.write(`no staff account with the email ${email}\n`);
        return 1;
      }
      resetTwoFactor(ctx.db, member.id, values.reason, COMMAND_LINE, ctx.clock.now());
      process.stdout.write(
        `two-factor sign-in reset for ${member.email}; they set it up again when they next sign in\n`,
      );
      return 0;
    } catch (error) {
      return reportRefusal(error);
    } finally {
      await ctx.close();
    }
  },
};
