import type { ImpactBench } from './impact.js';
import type { LatencySummary } from './latency.js';
import { medianOf } from './rounds.js';
import type { MemoryBench, WebhookBench, WebhookRound } from './webhook-bench.js';

/** The issue's bars, checked against the figures. */
export const BARS = {
  webhookRatio: 0.5,
  webhookP99Ms: 25,
  impactP99Ms: 5,
  /**
   * What the app keeps may not grow: RSS right after a full collection, sampled every 3 s, rises at
   * most this much per 10k events late in the run. (Live RSS also carries garbage the collector has
   * not reached yet, so its slope swings with the collector's timing; it is shown, not judged.)
   */
  memoryGrowthMbPer10k: 1,
  /** Nor may live RSS balloon while garbage waits: peak at most this far above the start. */
  livePeakGrowthMb: 100,
  /** Live heap after a full GC, end of run against start: what a leak would leave behind. */
  heapAfterGcGrowthMb: 10,
};

export interface Verdict {
  bar: string;
  figure: string;
  isMet: boolean;
}

export function verdicts(r: { webhooks?: WebhookBench; memory?: MemoryBench; impact?: ImpactBench }): Verdict[] {
  const out: Verdict[] = [];
  if (r.webhooks) {
    const { rounds, ratio, appP99Ms, check } = r.webhooks;
    const each = (figure: (round: WebhookRound) => string) =>
      rounds.length > 1 ? ` (rounds: ${rounds.map(figure).join(', ')})` : '';
    out.push({
      bar: `webhooks ≥ ${BARS.webhookRatio}× bare Express, durable`,
      figure: `${ratio.toFixed(2)}×${each((round) => `${round.ratio.toFixed(2)}×`)}`,
      isMet: ratio >= BARS.webhookRatio,
    });
    out.push({
      bar: `webhook p99 < ${BARS.webhookP99Ms} ms`,
      figure: `${ms(appP99Ms)} ms${each((round) => ms(round.app.latency.p99Ms))}; bare's ${ms(medianOf(rounds.map((round) => round.bare.latency.p99Ms)))} ms`,
      isMet: appP99Ms < BARS.webhookP99Ms,
    });
    out.push({
      bar: 'every acknowledged event stored and processed',
      figure: check.problems.length
        ? check.problems.join('; ')
        : `${check.stored.toLocaleString('en')} stored, ${check.processed.toLocaleString('en')} processed`,
      isMet: check.problems.length === 0,
    });
  }
  if (r.memory) {
    const m = r.memory;
    out.push({
      bar: `memory flat over ${m.events.toLocaleString('en')} events`,
      figure:
        `after GC ${m.retainedGrowthMbPer10k.toFixed(2)} MB/10k events in the 2nd half, heap ${mb(m.heapUsedMb.start)} → ${mb(m.heapUsedMb.afterDrainAndGc)} MB; ` +
        `live RSS ${mb(m.rssMb.start)} → peak ${mb(m.rssMb.peak)} → end ${mb(m.rssMb.end)} MB (${m.secondHalfGrowthMbPer10k.toFixed(2)} MB/10k in the 2nd half)` +
        (m.check.problems.length ? `; ${m.check.problems.join('; ')}` : ''),
      isMet:
        m.retainedGrowthMbPer10k <= BARS.memoryGrowthMbPer10k &&
        m.rssMb.peak - m.rssMb.start <= BARS.livePeakGrowthMb &&
        m.heapUsedMb.afterDrainAndGc - m.heapUsedMb.start <= BARS.heapAfterGcGrowthMb &&
        m.check.problems.length === 0,
    });
  }
  if (r.impact) {
    // "Stays under 5 ms p99" is the answer's own time. At 50 connections the load generator's p99 is
    // mostly queueing behind the other 49 (bare Express's p50 is near 5 ms there already), so under
    // load the bar is read inside the server; the generator's figure stays in the table above.
    const { unloaded, app } = r.impact;
    const alone = unloaded.app.latency.p99Ms;
    const loaded = app.server.p99Ms;
    out.push({
      bar: `GET /api/impact p99 < ${BARS.impactP99Ms} ms, one connection`,
      figure: `${ms(alone)} ms (bare ${ms(unloaded.bare.latency.p99Ms)} ms)`,
      isMet: alone < BARS.impactP99Ms,
    });
    out.push({
      bar: `GET /api/impact p99 < ${BARS.impactP99Ms} ms in the server, ${app.connections} conns`,
      figure: `${ms(loaded)} ms (load generator's p99 ${ms(app.latency.p99Ms)} ms, bare's ${ms(r.impact.bare.latency.p99Ms)} ms)`,
      isMet: loaded < BARS.impactP99Ms,
    });
  }
  return out;
}

interface LoadRow {
  label: string;
  ratePerS: number;
  latency: LatencySummary;
  server: LatencySummary;
  non2xx: number;
  errors: number;
}

/** The figures as a plain-text table: one row per measured load, then the bars. */
export function renderTable(r: { webhooks?: WebhookBench; memory?: MemoryBench; impact?: ImpactBench }): string {
  const rows: LoadRow[] = [];
  if (r.webhooks) {
    const median = r.webhooks.rounds.length > 1 ? ', median round' : '';
    rows.push({
      label: `POST /webhooks/stripe  bare (${r.webhooks.bare.connections} conns${median})`,
      ...r.webhooks.bare,
    });
    rows.push({
      label: `POST /webhooks/stripe  app  (${r.webhooks.app.connections} conns${median})`,
      ...r.webhooks.app,
    });
  }
  if (r.impact) {
    const { bare, app, unloaded } = r.impact;
    rows.push({ label: 'GET /api/impact  bare (1 conn)', ...unloaded.bare });
    rows.push({ label: 'GET /api/impact  app  (1 conn)', ...unloaded.app });
    rows.push({ label: `GET /api/impact  bare (${bare.connections} conns)`, ...bare });
    rows.push({ label: `GET /api/impact  app  (${app.connections} conns)`, ...app });
  }
  const header = ['load', 'req/s', 'p50 ms', 'p99 ms', 'max ms', 'server p50', 'server p99', 'non-2xx', 'errors'];
  const body = rows.map((row) => [
    row.label,
    Math.round(row.ratePerS).toLocaleString('en'),
    ms(row.latency.p50Ms),
    ms(row.latency.p99Ms),
    ms(row.latency.maxMs),
    ms(row.server.p50Ms),
    ms(row.server.p99Ms),
    String(row.non2xx),
    String(row.errors),
  ]);
  const lines = [grid([header, ...body])];
  if (r.webhooks) {
    const { ratio, app, check } = r.webhooks;
    lines.push(
      `webhooks: app/bare ${ratio.toFixed(2)}×; backlog at end of load ${app.backlogAtEnd.toLocaleString('en')}, drained in ${(check.drainMs / 1000).toFixed(1)} s; ` +
        `app RSS ${mb(app.rssMb.start)} → ${mb(app.rssMb.peak)} (peak) → ${mb(app.rssMb.end)} MB`,
    );
  }
  if (r.memory) {
    const m = r.memory;
    lines.push(
      `memory (${m.events.toLocaleString('en')} events at ${Math.round(m.ratePerS).toLocaleString('en')}/s): RSS start ${mb(m.rssMb.start)}, peak ${mb(m.rssMb.peak)}, end ${mb(m.rssMb.end)}, ` +
        `after drain + GC ${mb(m.rssMb.afterDrainAndGc)} MB; heap ${mb(m.heapUsedMb.start)} → ${mb(m.heapUsedMb.end)} → ${mb(m.heapUsedMb.afterDrainAndGc)} MB after GC`,
    );
  }
  const v = verdicts(r);
  if (v.length)
    lines.push('', grid([['bar', 'figure', ''], ...v.map((x) => [x.bar, x.figure, x.isMet ? 'met' : 'MISSED'])], 3));
  return lines.join('\n');
}

/** Columns before `leftColumns` are text (left-aligned); the rest are figures. */
function grid(rows: string[][], leftColumns = 1): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => (row[i] ?? '').length)));
  const line = (row: string[]) =>
    row.map((cell, i) => (i < leftColumns ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ');
  return [line(rows[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)].join('\n');
}

const ms = (value: number) => (value < 10 ? value.toFixed(2) : value.toFixed(1));
const mb = (value: number) => value.toFixed(0);
