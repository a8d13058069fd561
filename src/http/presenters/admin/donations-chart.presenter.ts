import { formatMonth, formatShortMonth } from '../../../lib/format.js';
import { formatMoney } from '../../../lib/money.js';
import type { MonthRow } from '../../../reconciliation/months.queries.js';
import { barFrame, linePath } from '../bar-chart.js';
import { round } from '../chart-scale.js';

/** How many months the dashboard draws: a year, the current month included. */
export const CHART_MONTHS = 12;
const SIZE = { width: 640, height: 240, pad: { top: 16, right: 16, bottom: 36, left: 64 } };

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
  const frame = barFrame(
    SIZE,
    figures.map((f) => formatShortMonth(f.period)),
    { highest: Math.max(...figures.flatMap((f) => [f.owedMinor, f.paidMinor, f.outstandingMinor])) },
    (value) => formatMoney(value, currency).replace(/\.00$/, ''),
  );
  const bar = Math.min(18, frame.slot / 3);
  // Months when more was reversed than accrued draw no bar: the table gives the figure.
  const upward = (minor: number) => Math.max(minor, 0);
  const outstanding = figures.map((f, i) => ({ x: round(frame.centre(i)), y: frame.yOf(upward(f.outstandingMinor)) }));
  const latest = figures.at(-1)!;
  return {
    ...frame.svg,
    bars: figures.flatMap((f, i) => [
      { kind: 'owed', ...frame.bar(i, -bar - 1, bar, upward(f.owedMinor)) },
      { kind: 'paid', ...frame.bar(i, 1, bar, upward(f.paidMinor)) },
    ]),
    line: linePath(outstanding),
    points: outstanding,
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
