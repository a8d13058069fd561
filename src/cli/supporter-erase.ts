import { createContext } from '../context.js';
import { isoDay } from '../lib/clock.js';
import { normaliseEmail } from '../lib/email-address.js';
import { COMMAND_LINE } from '../staff/audit-log.js';
import { eraseSupporter } from '../supporters/erase-supporter.js';
import { findLatestErasure, findSupporterByEmail } from '../supporters/supporters.queries.js';
import { parseOptions, type Command } from './command.js';
import { UsageError } from '../errors.js';

const USAGE = 'usage: npm run cli -- supporter:erase --email EMAIL --reason "why (their request, say)"';

export const supporterEraseCommand: Command = {
  summary: 'supporter:erase --email EMAIL --reason WHY: erase a buyer on request (audited; cannot be undone)',
  async run(args, config) {
    const { values } = parseOptions(args, { email: { type: 'string' }, reason: { type: 'string' } });
    const email = normaliseEmail(values.email);
    if (!email) throw new UsageError('usage', `${USAGE} (a valid address)`);
    if (!values.reason?.trim()) throw new UsageError('usage', `${USAGE}: say why, for the audit log`);
    const ctx = createContext(config);
    try {
      const supporter = findSupporterByEmail(ctx.db, email);
      if (!supporter) {
        const erasure = findLatestErasure(ctx.db, email);
        process.stderr.write(
          erasure
            ? `this address's buyer was erased already (supporter #${erasure.supporterId}, on ${isoDay(erasure.erasedAt)}); nothing changed\n`
            : `no supporter with the email ${email}\n`,
        );
        return 1;
      }
      const summary = eraseSupporter(
        ctx.db,
        { supporterId: supporter.id, reason: values.reason, confirmEmail: email },
        COMMAND_LINE,
        ctx.clock.now(),
      );
      process.stdout.write(
        `erased supporter #${summary.supporterId}: ${summary.orders} order(s) kept as "erased supporter #${summary.supporterId}", ` +
          `${summary.emailsEmptied} email(s) emptied, ${summary.stripeEventsCleaned} stored Stripe event(s) cleaned\n`,
      );
      return 0;
    } finally {
      await ctx.close();
    }
  },
};
