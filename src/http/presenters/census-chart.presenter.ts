import type { CensusFigures } from '../../census/census.queries.js';
import { formatDay, formatNumber } from '../../lib/format.js';
import { niceScale, round, type Anchor } from './chart-scale.js';

/** Geometry for the census history, drawn server-side as inline SVG: no script, no image request. */
export interface CensusChart {
  width: number;
  height: number;
  /** The area under the line and the line itself, as SVG path data. */
  area: string;
  line: string;
  gridlines: { y: number; label: string }[];
  points: { x: number; y: number }[];
  /** Counts above the points; `anchor` keeps the first and last inside the plot, clear of the axis. */
  values: { x: number; y: number; label: string; anchor: Anchor }[];
  years: { x: number; label: string; anchor: Anchor }[];
  plotLeft: number;
  plotRight: number;
  baseline: number;
  summary: string;
}

const WIDTH = 560;
const HEIGHT = 260;
const PAD = { top: 36, right: 24, bottom: 40, left: 52 };
/** Labels closer than this (in SVG units) would overlap; one of them is left out. */
const MIN_LABEL_GAP = 72;

/** Leopards counted over time, x by date, y from zero; undefined when there is nothing to draw. */
export function censusChart(history: CensusFigures[]): CensusChart | undefined {
  if (history.length === 0) return undefined;
  const times = history.map((c) => Date.parse(`${c.date}T00:00:00Z`));
  const first = times[0]!;
  const span = times[times.length - 1]! - first;
  const { top, step } = niceScale(Math.max(...history.map((c) => c.total)));
  const plotWidth = WIDTH - PAD.left - PAD.right;
  const plotHeight = HEIGHT - PAD.top - PAD.bottom;
  const baseline = PAD.top + plotHeight;
  const xOf = (t: number) => round(PAD.left + (span === 0 ? plotWidth / 2 : ((t - first) / span) * plotWidth));
  const yOf = (n: number) => round(baseline - (n / top) * plotHeight);

  const points = history.map((c, i) => ({ x: xOf(times[i]!), y: yOf(c.total) }));
  // By where the label sits, so the ones at the edges stay inside the plot, clear of the axis.
  const anchorAt = (x: number): Anchor =>
    x - PAD.left < MIN_LABEL_GAP / 2 && span > 0
      ? 'start'
      : WIDTH - PAD.right - x < MIN_LABEL_GAP / 2 && span > 0
        ? 'end'
        : 'middle';
  const line = points.map((p, i) => `${i === 0 ? 'M' : 'L'}${p.x} ${p.y}`).join(' ');
  const area = `${line} L${points[points.length - 1]!.x} ${baseline} L${points[0]!.x} ${baseline} Z`;

  // Censuses close together (two in one year) would print on top of each other: the latest count
  // and its year always show, the first too when there is room, and between them as many as fit.
  const labelled = spacedOut(points.map((p) => p.x));
  const values = labelled.map((i) => ({
    x: points[i]!.x,
    y: round(points[i]!.y - 12),
    label: formatNumber(history[i]!.total),
    anchor: anchorAt(points[i]!.x),
  }));
  const years = labelled.map((i) => ({
    x: points[i]!.x,
    label: history[i]!.date.slice(0, 4),
    anchor: anchorAt(points[i]!.x),
  }));
  const gridlines: CensusChart['gridlines'] = [];
  for (let value = 0; value <= top; value += step) gridlines.push({ y: yOf(value), label: formatNumber(value) });

  return {
    width: WIDTH,
    height: HEIGHT,
    area,
    line,
    gridlines,
    points,
    values,
    years,
    plotLeft: PAD.left,
    plotRight: WIDTH - PAD.right,
    baseline,
    summary: chartSummary(history),
  };
}

/** The chart in one sentence: its text alternative. */
function chartSummary(history: CensusFigures[]): string {
  const first = history[0]!;
  const latest = history[history.length - 1]!;
  if (history.length === 1) return `${formatNumber(latest.total)} Amur leopards counted on ${formatDay(latest.date)}.`;
  return (
    `Amur leopards counted, from ${formatNumber(first.total)} in ${first.date.slice(0, 4)}` +
    ` to ${formatNumber(latest.total)} in ${latest.date.slice(0, 4)}.`
  );
}

/**
 * Indexes of the positions to label, oldest first: the last always, then each far enough left of
 * the one kept after it. The first takes the place of the leftmost one kept, which is closer to it
 * than the gap, so it clears the next one all the more.
 */
function spacedOut(xs: number[]): number[] {
  const kept = [xs.length - 1];
  for (let i = xs.length - 2; i >= 0; i--) {
    if (xs[kept[0]!]! - xs[i]! >= MIN_LABEL_GAP) kept.unshift(i);
  }
  if (kept[0] !== 0 && kept.length > 1) kept[0] = 0;
  return kept;
}
