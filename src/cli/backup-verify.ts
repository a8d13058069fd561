import { formatNumber } from '../lib/format.js';
import { verifyBackup } from '../ops/verify-backup.js';
import { parseOptions, type Command } from './command.js';
import { UsageError } from '../errors.js';

export const backupVerifyCommand: Command = {
  summary:
    "backup:verify FILE: open a backup read-only, run SQLite's integrity check and the ledger audit, " +
    'and say what it holds (exit 1 if it cannot be trusted)',
  async run(args) {
    const { positionals } = parseOptions(args, {}, true);
    const file = positionals[0];
    if (!file || positionals.length > 1) throw new UsageError('usage', 'usage: npm run cli -- backup:verify FILE');
    const report = verifyBackup(file, (step) => process.stderr.write(`checking: ${step}\n`));
    if (!report.isHealthy) {
      process.stderr.write(`${file} cannot be trusted:\n${report.problems.map((p) => `  - ${p}`).join('\n')}\n`);
      return 1;
    }
    const { orders, ledgerEntries, emails } = report.counts!;
    process.stdout.write(
      `${file} is a good backup (${formatNumber(report.bytes)} bytes, ${report.migrations} migrations): ` +
        `${formatNumber(orders)} orders, ${formatNumber(ledgerEntries)} ledger entries, ${formatNumber(emails)} emails; ` +
        'integrity check and ledger audit passed\n',
    );
    return 0;
  },
};
