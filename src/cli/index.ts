import { loadConfig, readEnv } from '../config.js';
import { adminCreateCommand } from './admin-create.js';
import { backupCommand } from './backup.js';
import { backupVerifyCommand } from './backup-verify.js';
import { doctorCommand } from './doctor.js';
import { camtrapImportCommand } from './camtrap-import.js';
import { emailsMonthlyCommand } from './emails-monthly.js';
import { emailsPruneCommand } from './emails-prune.js';
import { eventsReplayCommand } from './events-replay.js';
import { ledgerCheckCommand } from './ledger-check.js';
import { migrateCommand } from './migrate.js';
import { simulatePurchaseCommand } from './simulate-purchase.js';
import { staffResetTwoFactorCommand } from './staff-reset-two-factor.js';
import { supporterEraseCommand } from './supporter-erase.js';
import { stripeReconcileCommand } from './stripe-reconcile.js';
import { stripeSyncCommand } from './stripe-sync.js';
import { supporterLinkCommand } from './supporter-link.js';
import { type Command } from './command.js';
import { ConfigError, UsageError } from '../errors.js';

const COMMANDS: Record<string, Command> = {
  migrate: migrateCommand,
  'simulate:purchase': simulatePurchaseCommand,
  'events:replay': eventsReplayCommand,
  'supporter:link': supporterLinkCommand,
  'supporter:erase': supporterEraseCommand,
  backup: backupCommand,
  'backup:verify': backupVerifyCommand,
  doctor: doctorCommand,
  'camtrap:import': camtrapImportCommand,
  'admin:create': adminCreateCommand,
  'staff:reset-two-factor': staffResetTwoFactorCommand,
  'emails:monthly': emailsMonthlyCommand,
  'emails:prune': emailsPruneCommand,
  'ledger:check': ledgerCheckCommand,
  'stripe:sync': stripeSyncCommand,
  'stripe:reconcile': stripeReconcileCommand,
};

function usage(): string {
  return [
    'usage: npm run cli -- <command> [options]',
    '',
    ...Object.values(COMMANDS).map((c) => `  ${c.summary}`),
  ].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  const command = name ? COMMANDS[name] : undefined;
  if (!command) {
    process.stderr.write(`${name && name !== '--help' ? `unknown command: ${name}\n\n` : ''}${usage()}\n`);
    return name === '--help' ? 0 : 64;
  }
  const env = readEnv();
  if (command.loadsOwnConfig) return command.run(args, undefined as never, env);
  const config = loadConfig({ LOG_LEVEL: 'warn', ...env });
  return command.run(args, config, env);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof UsageError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(64); // EX_USAGE
    }
    const message =
      error instanceof ConfigError ? error.problems.join('; ') : error instanceof Error ? error.message : String(error);
    process.stderr.write(`error: ${message}\n`);
    process.exit(1);
  },
);
