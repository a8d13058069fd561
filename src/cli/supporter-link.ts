import { createContext } from '../context.js';
import { normaliseEmail } from '../lib/email-address.js';
import { findSupporterByEmail } from '../supporters/supporters.queries.js';
import { parseOptions, type Command } from './command.js';
import { UsageError } from '../errors.js';

export const supporterLinkCommand: Command = {
  summary: "supporter:link --email EMAIL: print a supporter's private impact URL",
  async run(args, config) {
    const { values } = parseOptions(args, { email: { type: 'string' } });
    const email = normaliseEmail(values.email);
    if (!email) throw new UsageError('usage', 'usage: npm run cli -- supporter:link --email EMAIL (a valid address)');
    const ctx = createContext(config);
    try {
      const supporter = findSupporterByEmail(ctx.db, email);
      if (!supporter) {
        process.stderr.write(`no supporter with the email ${email}\n`);
        return 1;
      }
      process.stdout.write(`${config.publicUrl}/impact/${supporter.token}\n`);
      return 0;
    } finally {
      await ctx.close();
    }
  },
};
