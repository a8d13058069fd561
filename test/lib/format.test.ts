import { describe, expect, it } from 'vitest';
import { formatDay, formatDayRange } from '../../src/lib/format.js';

describe('formatDayRange', () => {
  it('says once what the first and last day share: the month and year, the year, or nothing', () => {
    expect(formatDayRange('2027-03-04', '2027-03-10')).toBe('4–10 March 2027');
    expect(formatDayRange('2027-02-28', '2027-03-06')).toBe('28 February – 6 March 2027');
    expect(formatDayRange('2027-12-29', '2028-01-04')).toBe('29 December 2027 – 4 January 2028');
  });
});

describe('formatDay', () => {
  it('writes every day of four years exactly as en-GB does, from an ISO day or an instant', () => {
    const intl = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' });
    for (let ms = Date.UTC(2026, 0, 1); ms < Date.UTC(2030, 0, 1); ms += 86_400_000) {
      const instant = new Date(ms + 13 * 3_600_000).toISOString();
      expect(formatDay(instant.slice(0, 10))).toBe(intl.format(ms));
      expect(formatDay(instant)).toBe(intl.format(ms));
    }
  });
});
