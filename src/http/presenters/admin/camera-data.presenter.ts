import type {
  Backlog,
  DeploymentRow,
  ImportDetail,
  ImportListRow,
  OrderTrapWeek,
  ProjectRow,
} from '../../../camtrap/camera-data.queries.js';
import type { Changes } from '../../../camtrap/import-package.js';
import type { ImportJob } from '../../../camtrap/import-jobs.js';
import { ProblemReport } from '../../../camtrap/problems.js';
import { formatDateTime, formatDayRange, formatNumber, plural } from '../../../lib/format.js';

/** View models for the console's camera-data pages: formatted here, so templates only place them. */

export function backlogView(b: Backlog) {
  return {
    cards: [
      { label: 'trap-weeks on a camera-week', value: formatNumber(b.allocated), id: 'allocated' },
      { label: 'waiting for camera data', value: formatNumber(b.waiting), id: 'waiting' },
      { label: 'funded ahead of the data', value: formatNumber(b.ahead), id: 'ahead' },
      { label: 'camera-weeks in the data', value: formatNumber(b.cameraWeeks), id: 'camera-weeks' },
    ],
    moved: b.moved > 0 ? `${formatNumber(b.moved)} of them moved (a correction withdrew their camera-week)` : null,
    oldestWaiting: b.oldestWaitingPaidAt === null ? null : formatDateTime(b.oldestWaitingPaidAt),
    ordersToNumber:
      b.ordersToNumber > 0
        ? `${formatNumber(b.ordersToNumber)} ${plural(b.ordersToNumber, 'order has', 'orders have')} changed since the allocator last looked; their trap-weeks are counted here within seconds`
        : null,
    dataReaches: b.latestWeekStart === null ? null : formatDateTime(b.latestWeekStart).slice(0, 10),
  };
}

export function projectRowView(p: ProjectRow) {
  return {
    url: `/admin/camera-data/projects/${p.id}`,
    title: p.title,
    packageProjectId: p.packageProjectId,
    deployments: formatNumber(p.deployments),
    cameraWeeks: formatNumber(p.cameraWeeks),
    fundedWeeks: formatNumber(p.fundedWeeks),
    fundedShare: p.cameraWeeks === 0 ? '' : `${Math.round((p.fundedWeeks / p.cameraWeeks) * 100)}%`,
    coordinates: p.coordinatePolicy === 'rounded' ? 'rounded to 0.1°' : 'hidden',
    photoHosts: p.photoHosts.join(', ') || 'none',
    lastImportAt: p.lastImportAt === null ? '' : formatDateTime(p.lastImportAt),
  };
}

function changesText(c: Changes): string {
  return `${formatNumber(c.added)} added, ${formatNumber(c.changed)} changed, ${formatNumber(c.removed)} removed`;
}

export function importRowView(i: ImportListRow) {
  const s = i.summary;
  return {
    url: `/admin/camera-data/imports/${i.id}`,
    id: i.id,
    at: formatDateTime(i.finishedAt),
    sourceName: i.sourceName,
    project: i.projectTitle ?? '',
    actor: i.actor,
    isRefused: i.status === 'refused',
    outcome: s
      ? `deployments ${changesText(s.deployments)}; ${formatNumber(s.cameraWeeks.added)} camera-weeks added`
      : `refused: ${formatNumber(i.problemCount)} ${plural(i.problemCount, 'problem', 'problems')}`,
  };
}

export function importDetailView(i: ImportDetail) {
  const s = i.summary;
  const row = (what: string, c: Changes) => ({ what, ...mapValues(c, formatNumber) });
  return {
    title: `Import ${i.id}: ${i.sourceName}`,
    ...importRowView(i),
    packageName: i.packageName ?? '',
    took: `${formatNumber(Math.max(0, Math.round((i.finishedAt - i.startedAt) / 1000)))} s`,
    problems: i.problems.map((p) => ({ ...p, text: ProblemReport.describe(p) })),
    moreProblems: i.problemCount > i.problems.length ? formatNumber(i.problemCount - i.problems.length) : null,
    problemCount: formatNumber(i.problemCount),
    summary: s && {
      read: `${formatNumber(s.rows.deployments)} deployments, ${formatNumber(s.rows.media)} media and ${formatNumber(s.rows.observations)} observations read`,
      changes: [row('Deployments', s.deployments), row('Observations', s.observations)],
      media: `${formatNumber(s.media.public)} of ${formatNumber(s.media.rows)} media are public (only those are kept)`,
      cameraWeeks: `${formatNumber(s.cameraWeeks.added)} camera-weeks added, ${formatNumber(s.cameraWeeks.withdrawn)} withdrawn`,
      hasWithdrawn: s.cameraWeeks.withdrawn > 0,
    },
  };
}

function mapValues<T extends object>(object: T, f: (value: number) => string): Record<keyof T, string> {
  return Object.fromEntries(Object.entries(object).map(([key, value]) => [key, f(value as number)])) as Record<
    keyof T,
    string
  >;
}

export function importJobView(job: ImportJob) {
  const percent = job.totalBytes > 0 ? Math.min(100, Math.floor((job.bytesRead / job.totalBytes) * 100)) : 0;
  return {
    title: `Importing ${job.sourceName}`,
    sourceName: job.sourceName,
    actor: job.actor,
    startedAt: formatDateTime(job.startedAt),
    isRunning: job.state === 'running',
    /** The page looks again until the import is over (no script: the browser's own refresh). */
    refreshSeconds: job.state === 'running' ? 2 : undefined,
    hasFailed: job.state === 'failed',
    percent,
    read: `${formatNumber(Math.round(job.bytesRead / 1_048_576))} of ${formatNumber(Math.round(job.totalBytes / 1_048_576))} MB read`,
    isChecking: job.totalBytes > 0 && job.bytesRead >= job.totalBytes,
  };
}

/** A deployment's running time in the camera's own clock: "2027-03-04 09:00 +10:00". */
function localTime(ms: number, offsetMinutes: number): string {
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  const offset = `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
  return `${formatDateTime(ms + offsetMinutes * 60_000).slice(0, 16)} ${offset}`;
}

export function deploymentRowView(d: DeploymentRow) {
  return {
    deploymentId: d.deploymentId,
    place: d.locationName ?? d.locationId ?? '',
    location: d.location && `${d.location.latitude.toFixed(1)}, ${d.location.longitude.toFixed(1)}`,
    start: localTime(d.startAt, d.utcOffsetMinutes),
    end: localTime(d.endAt, d.utcOffsetMinutes),
    cameraWeeks: formatNumber(d.cameraWeeks),
    fundedWeeks: formatNumber(d.fundedWeeks),
    leftover: d.leftoverDays > 0 ? `${d.leftoverDays} ${plural(d.leftoverDays, 'day', 'days')}` : '',
    media: formatNumber(d.mediaCount),
    hasTimestampIssues: d.hasTimestampIssues,
    isRemoved: d.isRemoved,
  };
}

const STATE_TEXT: Record<OrderTrapWeek['state'], string> = {
  allocated: 'on a camera-week',
  waiting: 'waiting for camera data',
  ahead: 'funded ahead',
};

export function orderTrapWeekView(t: OrderTrapWeek) {
  return {
    position: t.number,
    state: STATE_TEXT[t.state],
    isAllocated: t.state === 'allocated',
    dates: t.week ? formatDayRange(t.week.start, t.week.end) : '',
    place: t.week?.locationName ?? '',
    leopardVisits: t.week ? formatNumber(t.week.leopardVisits) : '',
    wasMoved: t.wasMoved,
  };
}
