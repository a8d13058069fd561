import { parentPort, workerData } from 'node:worker_threads';
import { verifyBackup } from './verify-backup.js';

/** Checks one backup on a thread of its own, so the server's event loop never waits on an integrity check. */
try {
  parentPort!.postMessage({ type: 'done', report: verifyBackup(workerData as string) });
} catch (error) {
  parentPort!.postMessage({ type: 'failed', message: error instanceof Error ? error.message : String(error) });
}
