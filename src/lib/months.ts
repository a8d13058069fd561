/** Accounting months as "YYYY-MM" strings, in UTC. They sort as text, so comparisons are plain `<`. */

const PERIOD = /^(\d{4})-(0[1-9]|1[0-2])$/;

export function isPeriod(value: unknown): value is string {
  return typeof value === 'string' && PERIOD.test(value);
}

/** The month an instant (epoch ms) falls in. */
export function periodOf(ms: number): string {
  return new Date(ms).toISOString().slice(0, 7);
}

/** First instant of the month, epoch ms. */
export function periodStart(period: string): number {
  const [year, month] = split(period);
  return Date.UTC(year, month - 1, 1);
}

/** First instant after the month. */
export function periodEnd(period: string): number {
  return periodStart(nextPeriod(period));
}

export function nextPeriod(period: string): string {
  const [year, month] = split(period);
  return month === 12 ? `${year + 1}-01` : `${year}-${String(month + 1).padStart(2, '0')}`;
}

export function previousPeriod(period: string): string {
  const [year, month] = split(period);
  return month === 1 ? `${year - 1}-12` : `${year}-${String(month - 1).padStart(2, '0')}`;
}

/** This month and the ones before it, newest first. */
export function lastMonths(now: number, count: number): string[] {
  const periods = [periodOf(now)];
  while (periods.length < count) periods.push(previousPeriod(periods.at(-1)!));
  return periods;
}

/** Every month from `first` to `last`, both included. */
export function periodsBetween(first: string, last: string): string[] {
  const out: string[] = [];
  for (let p = first; p <= last; p = nextPeriod(p)) out.push(p);
  return out;
}

function split(period: string): [number, number] {
  const match = PERIOD.exec(period);
  if (!match) throw new Error(`not a YYYY-MM month: ${period}`);
  return [Number(match[1]), Number(match[2])];
}
