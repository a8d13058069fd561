import { niceScale, round } from './chart-scale.js';

/**
 * The frame the console's bar charts share: a slot per month or week left to right, a round scale
 * from zero up (and down, when some bars go below the axis), gridlines with their labels, and the
 * slots' labels under the plot. Each chart places its own bars and lines on it.
 */

export interface ChartSize {
  width: number;
  height: number;
  pad: { top: number; right: number; bottom: number; left: number };
}

export interface BarFrame {
  /** What the template draws: the viewBox, the gridlines and the labels along the bottom. */
  svg: {
    width: number;
    height: number;
    plotLeft: number;
    plotRight: number;
    /** The foot of the plot, where the slots' labels hang. */
    plotBottom: number;
    gridlines: { y: number; label: string }[];
    labels: { x: number; label: string }[];
  };
  /** The y of a value, kept inside the plot. */
  yOf: (value: number) => number;
  /** The middle of slot `i`. */
  centre: (i: number) => number;
  /** Slot width. */
  slot: number;
  /** A bar in slot `i`, `offset` from its centre, from `base` to `base + value` (either sign). */
  bar: (i: number, offset: number, width: number, value: number, base?: number) => Bar;
}

export interface Bar {
  x: number;
  y: number;
  width: number;
  height: number;
}

/**
 * `labels[i]` names slot `i` ('' for none); `highest` and `lowest` are the extreme values drawn
 * (`lowest` below zero puts room under the axis); `tick` writes a gridline's value.
 */
export function barFrame(
  size: ChartSize,
  labels: string[],
  values: { highest: number; lowest?: number },
  tick: (value: number) => string,
): BarFrame {
  const { width, height, pad } = size;
  const highest = Math.max(values.highest, 0);
  const deepest = Math.max(-(values.lowest ?? 0), 0);
  const { step } = niceScale(Math.max(highest, deepest));
  // As niceScale rounds: a little headroom above the highest, and below the deepest when there is one.
  const top = Math.max(Math.ceil((highest * 1.1) / step), 1) * step;
  const bottom = deepest > 0 ? Math.ceil((deepest * 1.1) / step) * step : 0;
  const plotWidth = width - pad.left - pad.right;
  const plotHeight = height - pad.top - pad.bottom;
  const plotBottom = pad.top + plotHeight;
  const slot = plotWidth / Math.max(labels.length, 1);
  const yOf = (value: number) =>
    round(plotBottom - ((Math.min(Math.max(value, -bottom), top) + bottom) / (top + bottom)) * plotHeight);
  const centre = (i: number) => pad.left + slot * i + slot / 2;
  const gridlines = [];
  for (let value = -bottom; value <= top; value += step) gridlines.push({ y: yOf(value), label: tick(value) });
  return {
    svg: {
      width,
      height,
      plotLeft: pad.left,
      plotRight: width - pad.right,
      plotBottom,
      gridlines,
      labels: labels.flatMap((label, i) => (label ? [{ x: round(centre(i)), label }] : [])),
    },
    yOf,
    centre,
    slot,
    bar: (i, offset, barWidth, value, base = 0) => {
      const [from, to] = [yOf(base), yOf(base + value)];
      return {
        x: round(centre(i) + offset),
        y: Math.min(from, to),
        width: round(barWidth),
        height: round(Math.abs(from - to)),
      };
    },
  };
}

/** An SVG path through points, left to right. */
export function linePath(points: { x: number; y: number }[]): string {
  return points.map((p, i) => `${i === 0 ? 'M' : 'L'}${p.x} ${p.y}`).join(' ');
}
