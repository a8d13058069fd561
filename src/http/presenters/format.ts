/** Formatting for people: en-GB, UTC days. Presenters format so templates stay dumb. */

const integer = new Intl.NumberFormat('en-GB');
const oneDecimal = new Intl.NumberFormat('en-GB', { minimumFractionDigits: 1, maximumFractionDigits: 1 });
const shortDay = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' });
const longDay = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' });

export const WEEKS_PER_YEAR = 365.25 / 7;

export function formatNumber(n: number): string {
  return integer.format(n);
}

/** Trap-weeks as years of one camera watching without a break, to one decimal place. */
export function formatYears(trapWeeks: number): string {
  return oneDecimal.format(trapWeeks / WEEKS_PER_YEAR);
}

/** "2024-01-01" or an ISO instant → "1 January 2024". */
export function formatDay(isoDayOrInstant: string): string {
  return longDay.format(new Date(isoDayOrInstant.length === 10 ? `${isoDayOrInstant}T00:00:00Z` : isoDayOrInstant));
}

/** An ISO instant → "2 Feb 2026", for tables that must fit a phone. */
export function formatShortDay(isoInstant: string): string {
  return shortDay.format(new Date(isoInstant));
}

export function plural(n: number, one: string, many: string): string {
  return n === 1 ? one : many;
}
