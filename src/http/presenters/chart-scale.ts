/** What the server-drawn SVG charts share: a round scale, rounded coordinates and label anchors. */

/** Where a label sits against its x: `start` and `end` keep labels at the plot's edges inside it. */
export type Anchor = 'start' | 'middle' | 'end';

/**
 * A round axis a little above the highest value, in about five round steps: 103 → 0–125 by 25.
 * Every value drawn is a whole number (pairs, emails, leopards, minor units), so a step is one too:
 * 11 → 0–15 by 5, never by 2.5.
 */
export function niceScale(max: number): { top: number; step: number } {
  const rough = (Math.max(max, 1) * 1.1) / 5;
  const magnitude = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((s) => s >= rough && Number.isInteger(s))!;
  return { top: Math.ceil((Math.max(max, 1) * 1.1) / step) * step, step };
}

/** A coordinate to one decimal place: enough for the screen, and short in the page. */
export function round(n: number): number {
  return Math.round(n * 10) / 10;
}
