import { createContext } from '../context.js';
import { auditLedger, isLedgerConsistent, type LedgerAudit } from '../ledger/audit-ledger.js';
import { reattributeOrders } from '../orders/reattribute-orders.js';
import { COMMAND_LINE, recordAudit } from '../staff/audit-log.js';
import { parseOptions, type Command } from './command.js';

export const ledgerCheckCommand: Command = {
  summary: "ledger:check [--repair]: check the running totals, supporters' sums and orders' figures against the ledger's entries; --repair credits orders to buyers named after their entries",
  async run(args, config) {
    const { values } = parseOptions(args, { repair: { type: 'boolean', default: false } });
    const ctx = createContext(config);
    try {
      const step = (name: string) => process.stderr.write(`checking ${name}…\n`);
      let audit = auditLedger(ctx.db, step);
      if (values.repair && audit.misattributedOrders.length > 0) {
        const now = ctx.clock.now();
        const appended = reattributeOrders(ctx.db, audit.misattributedOrders, now, (tx, orderId, entries) =>
          recordAudit(tx, COMMAND_LINE, now, 'ledger.credit_buyer', `order ${orderId}`, null, { entries: entries.map(({ kind, supporterId, pairs, trapWeeks, donationMinor, currency }) => ({ kind, supporterId, pairs, trapWeeks, donationMinor, currency })) }),
        );
        process.stdout.write(`credited ${audit.misattributedOrders.length} order(s) to their buyers with ${appended} adjustment entries\n`);
        audit = auditLedger(ctx.db, step);
      }
      process.stdout.write(describeAudit(audit));
      return isLedgerConsistent(audit) ? 0 : 1;
    } finally {
      await ctx.close();
    }
  },
};

export function describeAudit(audit: LedgerAudit): string {
  const { kept, summed } = audit.totals;
  const ids = (list: number[]) => `${list.slice(0, 20).join(', ')}${list.length > 20 ? `, and ${list.length - 20} more` : ''}`;
  const isTotalsEqual = kept.pairs === summed.pairs && kept.trapWeeks === summed.trapWeeks && kept.supporters === summed.supporters;
  const lines = [
    isTotalsEqual
      ? `running totals: ${kept.pairs} pairs, ${kept.trapWeeks} trap-weeks, ${kept.supporters} supporters, as the entries say`
      : `running totals DISAGREE: kept ${JSON.stringify(kept)}, entries say ${JSON.stringify(summed)}`,
    audit.orderFigureDrift.length === 0 ? "orders' figures: all as their entries say" : `orders' figures DISAGREE for order ids ${ids(audit.orderFigureDrift)}`,
    audit.supporterTotalDrift.length === 0 ? "supporters' sums: all as their entries say" : `supporters' sums DISAGREE for supporter ids ${ids(audit.supporterTotalDrift)}`,
    audit.misattributedOrders.length === 0
      ? 'every order credits its buyer'
      : `orders crediting someone other than their buyer: ids ${ids(audit.misattributedOrders)} (run ledger:check --repair to credit them)`,
  ];
  if (!isTotalsEqual || audit.orderFigureDrift.length > 0 || audit.supporterTotalDrift.length > 0) {
    lines.push('The entries are the record; kept sums that disagree with them are a bug. Keep a backup (npm run cli -- backup FILE) and report it.');
  }
  return `${lines.join('\n')}\n`;
}
