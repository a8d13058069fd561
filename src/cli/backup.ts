import fs from 'node:fs';
import path from 'node:path';
import { backupDatabase, openDatabase } from '../db/client.js';
import { parseOptions, type Command } from './command.js';
import { UsageError } from '../errors.js';

export const backupCommand: Command = {
  summary: 'backup FILE: online copy of the database, safe while the app runs',
  async run(args, config) {
    const { positionals } = parseOptions(args, {}, true);
    const target = positionals[0];
    if (!target || positionals.length > 1) throw new UsageError('usage', 'usage: npm run cli -- backup FILE');
    if (fs.existsSync(target)) throw new UsageError('usage', `${target} already exists; choose a new file name`);
    if (!fs.existsSync(config.databasePath)) throw new UsageError('usage', `no database at ${config.databasePath}`);
    fs.mkdirSync(path.dirname(path.resolve(target)), { recursive: true });
    const { db, close } = openDatabase(config.databasePath);
    try {
      // SQLite's online backup API copies a consistent snapshot while writers carry on.
      await backupDatabase(db, target, (share) => {
        if (process.stderr.isTTY) process.stderr.write(`\rbacking up: ${Math.round(100 * share)}%`);
      });
    } finally {
      close();
    }
    if (process.stderr.isTTY) process.stderr.write('\n');
    process.stdout.write(`backup written to ${target} (${fs.statSync(target).size} bytes)\n`);
    return 0;
  },
};
