import { runDoctor } from '../ops/doctor.js';
import type { Command } from './command.js';

const MARK = { ok: 'ok  ', warn: 'warn', fail: 'FAIL' } as const;

export const doctorCommand: Command = {
  summary:
    'doctor: check what production needs (configuration, database, disk, mail relay, Stripe key, backups); exit 1 if anything fails',
  loadsOwnConfig: true,
  async run(_args, _config, env) {
    const results = await runDoctor({ LOG_LEVEL: 'warn', ...env });
    for (const result of results) process.stdout.write(`${MARK[result.status]}  ${result.name}: ${result.detail}\n`);
    const failed = results.filter((r) => r.status === 'fail').length;
    const warned = results.filter((r) => r.status === 'warn').length;
    process.stdout.write(
      failed > 0
        ? `${failed} check(s) failed\n`
        : warned > 0
          ? `no failures; ${warned} warning(s)\n`
          : 'all checks passed\n',
    );
    return failed > 0 ? 1 : 0;
  },
};
