import type { FundedYear } from '../../camtrap/funded-share.js';
import { formatNumber, plural } from '../../lib/format.js';
import { round } from './chart-scale.js';

/** Geometry for the funded share, drawn server-side as inline SVG: a bar per year, the funded part filled. */
export interface FundedShareChart {
  width: number;
  height: number;
  plotLeft: number;
  plotRight: number;
  barHeight: number;
  rows: { year: string; label: string; labelY: number; barY: number; ranWidth: number; fundedWidth: number }[];
  summary: string;
}

const WIDTH = 560;
const PAD = { top: 4, right: 8, bottom: 8, left: 8 };
/** A row is a line of labels (drawn larger on phones) above its bar. */
const ROW = 66;
const LABEL_BASELINE = 26;
const BAR_TOP = 34;
const BAR_HEIGHT = 22;

/**
 * What GET / shows of the park's camera-weeks: the latest year in a sentence, what the funded weeks
 * saw, and every year as a chart and a table. `hasData` is false before the first import.
 */
export function fundedShareSection(years: FundedYear[]) {
  const latest = years.at(-1);
  if (!latest) return { hasData: false as const };
  return {
    hasData: true as const,
    headline: {
      share: `${formatNumber(latest.funded)} of the ${formatNumber(latest.ran)}`,
      rest: `${plural(latest.ran, 'camera-week', 'camera-weeks')} the park ran in ${latest.year}`,
    },
    seen: fundedWeeksSaw(latest),
    chart: fundedShareChart(years),
    rows: years.map((year) => ({
      year: String(year.year),
      ran: formatNumber(year.ran),
      funded: formatNumber(year.funded),
      leopards:
        year.cubVisits > 0
          ? `${formatNumber(year.leopardVisits)} (${formatNumber(year.cubVisits)} with a cub)`
          : formatNumber(year.leopardVisits),
    })),
  };
}

/** The leopards on a year's funded weeks, in a sentence; null when buyers funded none of its weeks. */
function fundedWeeksSaw({ funded, leopardVisits: visits, cubVisits: cubs }: FundedYear): string | null {
  if (funded === 0) return null;
  if (visits === 0) return 'No leopard walked past the cameras on those weeks; they watched all the same.';
  const withCubs =
    cubs === 0
      ? ''
      : cubs === visits
        ? plural(visits, ', with a cub', ', each with a cub')
        : `, ${formatNumber(cubs)} of them with a cub`;
  return `On those weeks the cameras recorded ${formatNumber(visits)} leopard ${plural(visits, 'visit', 'visits')}${withCubs}.`;
}

/** A bar per year, oldest first, as long as the camera-weeks the park ran (the longest fills the plot), funded part filled. */
export function fundedShareChart(years: FundedYear[]): FundedShareChart {
  const plotWidth = WIDTH - PAD.left - PAD.right;
  const most = Math.max(1, ...years.map((year) => year.ran));
  const widthOf = (n: number) => round((n / most) * plotWidth);
  return {
    width: WIDTH,
    height: PAD.top + years.length * ROW + PAD.bottom,
    plotLeft: PAD.left,
    plotRight: WIDTH - PAD.right,
    barHeight: BAR_HEIGHT,
    rows: years.map((year, i) => ({
      year: String(year.year),
      label: `${formatNumber(year.funded)} of ${formatNumber(year.ran)}`,
      labelY: PAD.top + i * ROW + LABEL_BASELINE,
      barY: PAD.top + i * ROW + BAR_TOP,
      ranWidth: widthOf(year.ran),
      fundedWidth: widthOf(year.funded),
    })),
    summary: chartSummary(years),
  };
}

/** The chart in one sentence: its text alternative. */
function chartSummary(years: FundedYear[]): string {
  const each = years.map((year) => `${formatNumber(year.funded)} of ${formatNumber(year.ran)} in ${year.year}`);
  return `Camera-weeks funded by sock buyers, of those the park ran: ${each.join('; ')}.`;
}
