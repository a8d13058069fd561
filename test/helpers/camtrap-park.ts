import path from 'node:path';
import { importPackage } from '../../src/camtrap/import-package.js';
import type { Db } from '../../src/db/client.js';
import { COMMAND_LINE } from '../../src/staff/audit-log.js';
import { writeParkPackage, type ParkPackage } from './camtrap-packages.js';
import type { TestApp } from './test-app.js';

/**
 * Imports a park-shaped package as `camtrap:import` would (by default on the app's own connection;
 * pass another to import as a second process does), then lets the app's allocator give out weeks.
 */
export async function importPark(t: TestApp, pkg: ParkPackage, db: Db = t.ctx.db): Promise<void> {
  const dir = writeParkPackage({ hasEventLevel: true, ...pkg });
  const result = await importPackage(db, dir, {
    actor: COMMAND_LINE,
    now: () => t.clock.now(),
    sourceName: path.basename(dir),
  });
  if (result.status !== 'imported') throw new Error(`package refused:\n${result.lines.join('\n')}`);
  await t.ctx.allocation.drain();
}
