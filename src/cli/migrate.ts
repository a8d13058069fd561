import { createContext } from '../context.js';
import type { Command } from './command.js';

export const migrateCommand: Command = {
  summary: 'migrate: apply database migrations (also done at every start)',
  async run(_args, config) {
    const ctx = createContext(config); // opening the context migrates
    await ctx.close();
    process.stdout.write(`database is up to date: ${config.databasePath}\n`);
    return 0;
  },
};
