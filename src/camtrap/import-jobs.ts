import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import type { Worker } from 'node:worker_threads';
import { ConflictError } from '../errors.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import { siblingModule, startModuleWorker } from '../lib/module-worker.js';
import type { Actor } from '../staff/audit-log.js';
import type { ImportWorkerInput, ImportWorkerMessage } from './import-worker.js';

/** How long a finished job is remembered, for the page that watched it. */
const FINISHED_KEPT_MS = 60 * 60_000;

/** An upload being imported, as the page that watches it sees it. */
export interface ImportJob {
  readonly id: string;
  readonly sourceName: string;
  readonly actor: string;
  readonly startedAt: number;
  state: 'running' | 'imported' | 'refused' | 'failed';
  bytesRead: number;
  totalBytes: number;
  /** The import's record in the history, once there is one (imported or refused). */
  importId?: number;
  finishedAt?: number;
}

export interface StartImport {
  /** The uploaded package: a `.zip`, or a folder holding `datapackage.json` and its tables. */
  location: string;
  sourceName: string;
  actor: Actor;
  /** Removed once the import is over, whatever became of it. */
  uploadDir: string;
}

/**
 * Imports started from the console, one at a time, each on a worker thread (see import-worker).
 * A job lives in memory: after a restart the history (camtrap_imports) says what happened, and an
 * import cut short wrote nothing (it commits in one transaction, at its end).
 */
export class ImportJobs {
  private readonly jobs = new Map<string, ImportJob>();
  private current: { job: ImportJob; worker: Worker; done: Promise<void> } | null = null;

  constructor(
    private readonly databasePath: string,
    private readonly clock: Clock,
    private readonly logger: Logger,
    /** Called after an import lands: the allocator hands out its camera-weeks. */
    private readonly onImported: () => void,
  ) {}

  /** The import under way, if any. */
  get running(): ImportJob | undefined {
    return this.current?.job;
  }

  find(id: string): ImportJob | undefined {
    return this.jobs.get(id);
  }

  /** Refuses while another import runs: two at once would only queue on the database's write lock. */
  assertIdle(): void {
    const running = this.running;
    if (running)
      throw new ConflictError(
        'import_running',
        `An import (${running.sourceName}, started by ${running.actor}) is still running. Wait for it to finish, then try again.`,
      );
  }

  start(request: StartImport): ImportJob {
    this.assertIdle();
    this.forgetOldJobs();
    const job: ImportJob = {
      id: randomBytes(12).toString('base64url'),
      sourceName: request.sourceName,
      actor: request.actor.email,
      startedAt: this.clock.now(),
      state: 'running',
      bytesRead: 0,
      totalBytes: 0,
    };
    const input: ImportWorkerInput = {
      databasePath: this.databasePath,
      location: request.location,
      sourceName: request.sourceName,
      actor: request.actor,
      clockOffsetMs: this.clock.now() - Date.now(),
    };
    const worker = startModuleWorker(siblingModule(import.meta.url, 'import-worker'), { workerData: input });
    worker.on('message', (message: ImportWorkerMessage) => this.onMessage(job, message));
    const done = new Promise<void>((resolve) => {
      worker.on('error', (error) => {
        job.state = 'failed';
        this.logger.error('camera-trap import failed', { error, source: job.sourceName });
      });
      worker.on('exit', () => {
        if (job.state === 'running') job.state = 'failed';
        job.finishedAt = this.clock.now();
        this.current = null;
        void fs.rm(request.uploadDir, { recursive: true, force: true }).finally(resolve);
      });
    });
    this.jobs.set(job.id, job);
    this.current = { job, worker, done };
    return job;
  }

  /** Waits for the import under way to finish (tests, and a clean shutdown). */
  async settled(): Promise<void> {
    await this.current?.done;
  }

  /** Stops the import under way: it has written nothing, and its upload is removed. */
  async stop(): Promise<void> {
    const current = this.current;
    if (!current) return;
    await current.worker.terminate();
    await current.done;
  }

  private onMessage(job: ImportJob, message: ImportWorkerMessage): void {
    if (message.type === 'progress') {
      job.bytesRead = message.bytesRead;
      job.totalBytes = message.totalBytes;
      return;
    }
    if (message.type === 'failed') {
      job.state = 'failed';
      this.logger.error('camera-trap import failed', { error: message.error, source: job.sourceName });
      return;
    }
    job.state = message.result.status;
    job.importId = message.result.importId;
    this.logger.info('camera-trap package imported', {
      source: job.sourceName,
      status: job.state,
      importId: job.importId,
    });
    if (job.state === 'imported') this.onImported();
  }

  private forgetOldJobs(): void {
    const cutoff = this.clock.now() - FINISHED_KEPT_MS;
    for (const [id, job] of this.jobs)
      if (job.finishedAt !== undefined && job.finishedAt < cutoff) this.jobs.delete(id);
  }
}
