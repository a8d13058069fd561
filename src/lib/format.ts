/**
 * Formatting for people, in one place: en-GB, UTC days. Presenters and email views format with these,
 * so templates stay dumb.
 */

const integer = new Intl.NumberFormat('en-GB');
const oneDecimal = new Intl.NumberFormat('en-GB', { minimumFractionDigits: 1, maximumFractionDigits: 1 });
const SHORT_MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const LONG_MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];
const longMonth = new Intl.DateTimeFormat('en-GB', { month: 'long', year: 'numeric', timeZone: 'UTC' });

export const WEEKS_PER_YEAR = 365.25 / 7;

export function formatNumber(n: number): string {
  // Most figures on a shopper's page are small: no grouping to do, and Intl is slow per call.
  return Number.isInteger(n) && n > -1000 && n < 1000 ? String(n) : integer.format(n);
}

/** Trap-weeks as years of one camera watching without a break, to one decimal place. */
export function formatYears(trapWeeks: number): string {
  return oneDecimal.format(trapWeeks / WEEKS_PER_YEAR);
}

/** "2024-01-01" or an ISO instant → "1 January 2024". */
export function formatDay(isoDayOrInstant: string): string {
  // By hand, as en-GB writes it: a buyer's page formats a hundred of these, and Intl is slow per call.
  const day = isoDayOrInstant.length === 10 ? null : new Date(isoDayOrInstant);
  const [year, month, date] = day
    ? [day.getUTCFullYear(), day.getUTCMonth() + 1, day.getUTCDate()]
    : isoDayOrInstant.split('-').map(Number);
  return `${date} ${LONG_MONTHS[month! - 1]} ${year}`;
}

/**
 * Two ISO days as one span, saying what they share once: "4–10 March 2027", "28 February – 6 March
 * 2027", "29 December 2027 – 4 January 2028".
 */
export function formatDayRange(first: string, last: string): string {
  const [from, to] = [formatDay(first), formatDay(last)];
  if (first.slice(0, 7) === last.slice(0, 7)) return `${from.split(' ')[0]}–${to}`;
  if (first.slice(0, 4) === last.slice(0, 4)) return `${from.slice(0, -5)} – ${to}`;
  return `${from} – ${to}`;
}

/** An ISO instant → "2 Feb 2026" (UTC), for tables that must fit a phone. By hand: a shopper's page formats many. */
export function formatShortDay(isoInstant: string): string {
  const day = new Date(isoInstant);
  return `${day.getUTCDate()} ${SHORT_MONTHS[day.getUTCMonth()]} ${day.getUTCFullYear()}`;
}

export function plural(n: number, one: string, many: string): string {
  return n === 1 ? one : many;
}

/** "2026-10" → "October 2026". */
export function formatMonth(period: string): string {
  return longMonth.format(new Date(`${period}-01T00:00:00Z`));
}

/** "2026-10" or "2026-10-05" → "Oct", for a chart's axis. */
export function formatShortMonth(periodOrDay: string): string {
  return SHORT_MONTHS[Number(periodOrDay.slice(5, 7)) - 1]!;
}

/** An instant → "2026-10-05 14:02:09" (UTC, to the second): the staff console's times, which sort as text. */
export function formatDateTime(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').slice(0, 19);
}

/**
 * The template helpers every Handlebars view gets, pages and emails alike: `{{number n}}`, `{{plural n
 * "one" "many"}}`.
 */
export function registerFormattingHelpers(handlebars: {
  registerHelper(name: string, helper: (n: unknown, one: string, many: string) => string): void;
}): void {
  handlebars.registerHelper('number', (n: unknown) => (typeof n === 'number' ? formatNumber(n) : ''));
  handlebars.registerHelper('plural', (n: unknown, one: string, many: string) => (n === 1 ? one : many));
}
