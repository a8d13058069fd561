import { createContext } from '../context.js';
import { auditLedger, describeAudit, isLedgerConsistent } from '../ledger/audit-ledger.js';
import { reattributeOrders } from '../orders/reattribute-orders.js';
import { COMMAND_LINE, recordAudit } from '../staff/audit-log.js';
import { parseOptions, type Command } from './command.js';

export const ledgerCheckCommand: Command = {
  summary:
    "ledger:check [--repair]: check the running totals, supporters' sums and orders' figures " +
    "against the ledger's entries; --repair credits orders to buyers named after their entries",
  async run(args, config) {
    const { values } = parseOptions(args, { repair: { type: 'boolean', default: false } });
    const ctx = createContext(config);
    try {
      const step = (name: string) => process.stderr.write(`checking ${name}…\n`);
      let audit = auditLedger(ctx.db, step);
      if (values.repair && audit.misattributedOrders.length > 0) {
        const now = ctx.clock.now();
        const appended = reattributeOrders(ctx.db, audit.misattributedOrders, now, (tx, orderId, entries) =>
          recordAudit(tx, COMMAND_LINE, now, 'ledger.credit_buyer', `order ${orderId}`, null, {
            entries: entries.map(({ kind, supporterId, pairs, trapWeeks, donationMinor, currency }) => ({
              kind,
              supporterId,
              pairs,
              trapWeeks,
              donationMinor,
              currency,
            })),
          }),
        );
        process.stdout.write(
          `credited ${audit.misattributedOrders.length} order(s) to their buyers with ${appended} adjustment entries\n`,
        );
        audit = auditLedger(ctx.db, step);
      }
      process.stdout.write(describeAudit(audit));
      return isLedgerConsistent(audit) ? 0 : 1;
    } finally {
      await ctx.close();
    }
  },
};
