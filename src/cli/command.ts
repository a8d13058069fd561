import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { Config } from '../config.js';
import { AppError, UsageError } from '../errors.js';

export interface Command {
  summary: string;
  /**
   * Returns the process exit code. A command that `loadsOwnConfig` (doctor, which reports a bad
   * configuration instead of stopping at it) gets no config, and reads the environment itself.
   */
  run(args: string[], config: Config, env: Record<string, string | undefined>): Promise<number>;
  loadsOwnConfig?: boolean;
}

/** parseArgs with errors a person can act on. */
export function parseOptions<T extends NonNullable<ParseArgsConfig['options']>>(
  args: string[],
  options: T,
  allowPositionals = false,
) {
  try {
    return parseArgs({ args, options, allowPositionals, strict: true });
  } catch (error) {
    throw new UsageError('usage', error instanceof Error ? error.message : String(error));
  }
}

/**
 * A use case's refusal (an AppError: an unknown account, a weak password) as the command's answer:
 * its message on one line of standard error, and exit 1. Anything else is a bug and goes on up.
 */
export function reportRefusal(error: unknown): number {
  if (!(error instanceof AppError)) throw error;
  process.stderr.write(`error: ${error.message}\n`);
  return 1;
}
