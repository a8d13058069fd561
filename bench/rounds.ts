/**
 * The machine may be shared: a bench runs bare Express and the app in rounds, back to back, and
 * judges the median round, so one noisy neighbour cannot decide a verdict either way.
 */

/** The item whose `key` is the median (the lower middle one for an even count). */
export function medianBy<T>(items: readonly T[], key: (item: T) => number): T {
  if (items.length === 0) throw new Error('medianBy: no items');
  return [...items].sort((a, b) => key(a) - key(b))[Math.floor((items.length - 1) / 2)]!;
}

/** The median of some figures (the lower middle one for an even count). */
export function medianOf(values: readonly number[]): number {
  return medianBy(values, (value) => value);
}
