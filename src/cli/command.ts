import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { Config } from '../config.js';
import { UsageError } from '../errors.js';

export interface Command {
  summary: string;
  /** Returns the process exit code. */
  run(args: string[], config: Config): Promise<number>;
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
