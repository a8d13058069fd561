import type Stripe from 'stripe';
import type { Db } from '../db/client.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import type { Actor } from '../staff/audit-log.js';
import { checkMonthAgainstStripe, type MonthCheckProgress, type MonthCheckReport } from './month-check.js';
import { applyMonthCheck, type ApplySummary } from './month-check-apply.js';
import { ConflictError, NotFoundError } from '../errors.js';

export interface MonthCheckJob {
  period: string;
  state: 'checking' | 'checked' | 'applying' | 'applied' | 'failed';
  startedAt: number;
  startedBy: string;
  progress: MonthCheckProgress;
  applyProgress: { done: number; total: number };
  report: MonthCheckReport | null;
  applied: ApplySummary | null;
  error: string | null;
}

export interface MonthCheckJobDeps {
  db: Db;
  stripe: Stripe;
  isLiveKey: boolean;
  clock: Clock;
  logger: Logger;
  onStored(): void;
}

/**
 * Month checks started from the console, run in the background (Stripe's pages are awaited one
 * at a time, so requests keep being answered) and kept in memory, one per month, for their page and
 * CSV. A restart forgets them; checking again is always safe, as a check writes nothing.
 */
export class MonthCheckJobs {
  private readonly jobs = new Map<string, MonthCheckJob>();
  private readonly running = new Set<Promise<void>>();

  constructor(private readonly deps: MonthCheckJobDeps) {}

  get(period: string): MonthCheckJob | undefined {
    return this.jobs.get(period);
  }

  /** Starts checking a month; a check or apply already running for it is a conflict. */
  check(period: string, actor: Actor): MonthCheckJob {
    this.refuseWhileBusy(period);
    const job: MonthCheckJob = {
      period,
      state: 'checking',
      startedAt: this.deps.clock.now(),
      startedBy: actor.email,
      progress: { sessions: 0, refunds: 0, disputes: 0, orders: 0 },
      applyProgress: { done: 0, total: 0 },
      report: null,
      applied: null,
      error: null,
    };
    this.jobs.set(period, job);
    const { db, stripe, isLiveKey, clock } = this.deps;
    this.track(job, async () => {
      job.report = await checkMonthAgainstStripe({ db, stripe, isLiveKey, now: clock.now() }, period, {
        onProgress: (p) => void (job.progress = { ...p }),
      });
      job.state = 'checked';
    });
    return job;
  }

  /** Fixes what the month's finished check found, fetching each object from Stripe again. */
  apply(period: string, actor: Actor): MonthCheckJob {
    const job = this.jobs.get(period);
    if (!job?.report || job.state !== 'checked')
      throw new NotFoundError(
        'no_month_check',
        `Check ${period} against Stripe first; fixes come from a finished check.`,
      );
    job.state = 'applying';
    const report = job.report;
    const { db, stripe, clock, onStored } = this.deps;
    this.track(job, async () => {
      job.applied = await applyMonthCheck({ db, stripe, now: () => clock.now(), onStored }, report, actor, {
        onProgress: (done, total) => void (job.applyProgress = { done, total }),
      });
      job.state = 'applied';
    });
    return job;
  }

  /** Waits for checks in flight (at shutdown). */
  async stop(): Promise<void> {
    await Promise.allSettled([...this.running]);
  }

  private refuseWhileBusy(period: string): void {
    const state = this.jobs.get(period)?.state;
    if (state === 'checking' || state === 'applying')
      throw new ConflictError('month_check_running', `${period} is being checked against Stripe already.`);
  }

  private track(job: MonthCheckJob, work: () => Promise<void>): void {
    const run = work()
      .catch((error: unknown) => {
        job.state = 'failed';
        job.error = error instanceof Error ? error.message : String(error);
        this.deps.logger.warn('month check against Stripe failed', { period: job.period, error: job.error });
      })
      .finally(() => this.running.delete(run));
    this.running.add(run);
  }
}
