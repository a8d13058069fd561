import { execFile } from 'node:child_process';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '../..');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * A test's emails stay in its own temporary directory, beside its database, instead of the
 * project's ./data/outbox (the default when SMTP_URL is unset).
 */
export function outboxBeside(env: Record<string, string>): Record<string, string> {
  return env.DATABASE_PATH ? { MAIL_OUTBOX_DIR: path.join(path.dirname(env.DATABASE_PATH), 'outbox') } : {};
}

/** Runs `npm run cli -- ...` the way a person would (through tsx), with its own environment. */
export function runCli(args: string[], env: Record<string, string>, input?: string): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      ['--import', 'tsx', path.join(ROOT, 'src/cli/index.ts'), ...args],
      {
        cwd: ROOT,
        env: { PATH: process.env.PATH ?? '', NODE_ENV: 'test', ...outboxBeside(env), ...env },
        timeout: 30_000,
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
    if (input !== undefined) child.stdin?.end(input);
  });
}
