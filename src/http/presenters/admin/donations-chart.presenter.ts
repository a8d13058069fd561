import { formatMonth } from '../../../lib/format.js';
import { formatMoney } from '../../../lib/money.js';
import type { MonthRow } from '../../../reconciliation/months.queries.js';
import { niceScale, round } from '../chart-scale.js';

/** How many months the dashboard draws: a year, the current month included. */
export const CHART_MONTHS = 12;
const WIDTH = 640;
const HEIGHT = 240;
const PAD = { top: 16, right: 16, bottom: 36, left: 64 };

interface MonthFigures {
  period: string;
  owedMinor: number;
  paidMinor: number;
  outstandingMinor: number;
}

/**
 * Donations per month for each currency, drawn on the server as SVG: what sales earned the charity
 * (after refunds and lost disputes) and what was paid, as bars side by side, and what is still
 * outstanding at each month's end, as a line. A table beneath gives every figure.
 */
export function donationChartsView(monthsNewestFirst: MonthRow[]) {
  const months = monthsNewestFirst.slice(0, CHART_MONTHS).reverse();
  const currencies = [...new Set(months.flatMap((m) => m.balances.map((b) => b.currency)))].sort();
  return currencies.map((currency) => {
    const figures: MonthFigures[] = months.map((m) => {
      const b = m.balances.find((balance) => balance.currency === currency);
      return {
        period: m.period,
        owedMinor: b ? b.accruedMinor - b.reversedMinor : 0,
        paidMinor: b?.paidMinor ?? 0,
        outstandingMinor: b?.closingMinor ?? 0,
      };
    });
    return { currency, chart: chartOf(figures, currency), rows: figures.map((f) => rowOf(f, currency)) };
  });
}

function chartOf(figures: MonthFigures[], currency: string) {
  const highest = Math.max(...figures.flatMap((f) => [f.owedMinor, f.paidMinor, f.outstandingMinor]), 1);
  const { top, step } = niceScale(highest);
  const plotWidth = WIDTH - PAD.left - PAD.right;
  const plotHeight = HEIGHT - PAD.top - PAD.bottom;
  const baseline = PAD.top + plotHeight;
  const slot = plotWidth / figures.length;
  const bar = Math.min(18, slot / 3);
  const yOf = (minor: number) => round(baseline - (Math.max(minor, 0) / top) * plotHeight);
  const heightOf = (minor: number) => round(baseline - yOf(minor));
  const centre = (i: number) => PAD.left + slot * i + slot / 2;
  const gridlines = [];
  for (let value = 0; value <= top; value += step)
    gridlines.push({ y: yOf(value), label: formatMoney(value, currency).replace(/\.00$/, '') });
  const outstanding = figures.map((f, i) => ({ x: round(centre(i)), y: yOf(f.outstandingMinor) }));
  const latest = figures.at(-1)!;
  return {
    width: WIDTH,
    height: HEIGHT,
    plotLeft: PAD.left,
    plotRight: WIDTH - PAD.right,
    baseline,
    gridlines,
    bars: figures.flatMap((f, i) => [
      {
        kind: 'owed',
        x: round(centre(i) - bar - 1),
        y: yOf(f.owedMinor),
        width: round(bar),
        height: heightOf(f.owedMinor),
      },
      { kind: 'paid', x: round(centre(i) + 1), y: yOf(f.paidMinor), width: round(bar), height: heightOf(f.paidMinor) },
    ]),
    line: outstanding.map((p, i) => `${i === 0 ? 'M' : 'L'}${p.x} ${p.y}`).join(' '),
    points: outstanding,
    months: figures.map((f, i) => ({
      x: round(centre(i)),
      label: formatMonth(f.period).slice(0, 3),
      isYearStart: f.period.endsWith('-01'),
    })),
    summary:
      `${currency} donations over the last ${figures.length} months: ` +
      `${formatMoney(
        figures.reduce((sum, f) => sum + f.owedMinor, 0),
        currency,
      )} owed and ` +
      `${formatMoney(
        figures.reduce((sum, f) => sum + f.paidMinor, 0),
        currency,
      )} paid; ` +
      `${formatMoney(latest.outstandingMinor, currency)} outstanding at the end of ${formatMonth(latest.period)}.`,
  };
}

function rowOf(f: MonthFigures, currency: string) {
  return {
    month: formatMonth(f.period),
    owed: formatMoney(f.owedMinor, currency),
    paid: formatMoney(f.paidMinor, currency),
    outstanding: formatMoney(f.outstandingMinor, currency),
  };
}
