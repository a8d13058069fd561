import type { WeekFigures } from '../../../dashboard/weekly-sales.queries.js';
import { formatDay, formatNumber, formatShortMonth, plural } from '../../../lib/format.js';
import { barFrame, linePath } from '../bar-chart.js';
import { round } from '../chart-scale.js';

const SIZE = { width: 640, height: 260, pad: { top: 16, right: 16, bottom: 36, left: 48 } };

/**
 * Pairs sold per week over the last year as bars above the axis, the pairs refunded and those
 * reversed by disputes as bars below it, and the net trap-weeks funded as a line; every figure in
 * the table beneath. Undefined when nothing happened all year.
 */
export function weeklySalesView(weeks: WeekFigures[]) {
  const isEmpty = weeks.every((w) => !w.soldPairs && !w.refundedPairs && !w.reversedPairs && !w.trapWeeks);
  if (weeks.length === 0 || isEmpty) return undefined;
  const down = (w: WeekFigures) => Math.max(w.refundedPairs, 0) + Math.max(w.reversedPairs, 0);
  const frame = barFrame(
    SIZE,
    // A month's name under its first week.
    weeks.map((w) => (Number(w.week.slice(8)) <= 7 ? formatShortMonth(w.week) : '')),
    {
      highest: Math.max(4, ...weeks.flatMap((w) => [w.soldPairs, w.trapWeeks])),
      lowest: Math.min(...weeks.flatMap((w) => [-down(w), w.trapWeeks])),
    },
    (value) => formatNumber(value),
  );
  const bar = frame.slot * 0.7;
  const trapWeeks = weeks.map((w, i) => ({ x: round(frame.centre(i)), y: frame.yOf(w.trapWeeks) }));
  const total = (field: keyof Omit<WeekFigures, 'week'>) => weeks.reduce((sum, w) => sum + w[field], 0);
  const busiest = weeks.reduce((best, w) => (w.soldPairs > best.soldPairs ? w : best));
  return {
    chart: {
      ...frame.svg,
      bars: weeks.flatMap((w, i) => [
        { kind: 'sold', ...frame.bar(i, -bar / 2, bar, Math.max(w.soldPairs, 0)) },
        { kind: 'refunded', ...frame.bar(i, -bar / 2, bar, -Math.max(w.refundedPairs, 0)) },
        {
          kind: 'reversed',
          ...frame.bar(i, -bar / 2, bar, -Math.max(w.reversedPairs, 0), -Math.max(w.refundedPairs, 0)),
        },
      ]),
      line: linePath(trapWeeks),
    },
    summary:
      `Over the last ${weeks.length} weeks (from ${formatDay(weeks[0]!.week)}): ` +
      `${formatNumber(total('soldPairs'))} ${plural(total('soldPairs'), 'pair', 'pairs')} sold, ` +
      `${formatNumber(total('refundedPairs'))} refunded and ${formatNumber(total('reversedPairs'))} reversed by disputes; ` +
      `${formatNumber(total('trapWeeks'))} trap-weeks funded, net. ` +
      `The busiest week began ${formatDay(busiest.week)}, with ${formatNumber(busiest.soldPairs)} sold.`,
    rows: weeks.map((w) => ({
      week: formatDay(w.week),
      sold: formatNumber(w.soldPairs),
      refunded: formatNumber(w.refundedPairs),
      reversed: formatNumber(w.reversedPairs),
      net: formatNumber(w.soldPairs - w.refundedPairs - w.reversedPairs),
      trapWeeks: formatNumber(w.trapWeeks),
    })),
  };
}
