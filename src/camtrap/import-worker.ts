import { parentPort, workerData } from 'node:worker_threads';
import { openDatabase } from '../db/client.js';
import type { Actor } from '../staff/audit-log.js';
import { importPackage, type ImportResult } from './import-package.js';

/** What the console hands the worker: where the package and the database are, and who asked. */
export interface ImportWorkerInput {
  databasePath: string;
  location: string;
  sourceName: string;
  actor: Actor;
  /** The app clock's distance from the system clock (tests run on a clock of their own). */
  clockOffsetMs: number;
}

export type ImportWorkerMessage =
  | { type: 'progress'; bytesRead: number; totalBytes: number }
  | { type: 'done'; result: ImportResult }
  | { type: 'failed'; error: { name: string; message: string; stack?: string } };

/**
 * One console import, on a thread of its own with a connection of its own: reading and checking a
 * package of a million rows never holds the server's event loop. Reports progress as it reads, and
 * the result when done, or what failed (a package's faults are a result; this is anything else).
 */
async function run(input: ImportWorkerInput): Promise<void> {
  const database = openDatabase(input.databasePath);
  let lastReport = 0;
  try {
    const result = await importPackage(database.db, input.location, {
      actor: input.actor,
      now: () => Date.now() + input.clockOffsetMs,
      sourceName: input.sourceName,
      onProgress: (bytesRead, totalBytes) => {
        const now = Date.now();
        if (now - lastReport < 250 && bytesRead < totalBytes) return;
        lastReport = now;
        post({ type: 'progress', bytesRead, totalBytes });
      },
    });
    post({ type: 'done', result });
  } finally {
    database.close();
  }
}

function post(message: ImportWorkerMessage): void {
  parentPort!.postMessage(message);
}

try {
  await run(workerData as ImportWorkerInput);
} catch (error) {
  const { name, message, stack } = error instanceof Error ? error : new Error(String(error));
  post({ type: 'failed', error: { name, message, stack } });
  process.exit(1); // ends this thread only
}
