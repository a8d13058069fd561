/**
 * ISO weeks (Monday 00:00 UTC to the next Monday), named by their Monday as "YYYY-MM-DD": they sort
 * as text. SQLite names them the same way (src/db/running-sums.ts, the week sums).
 */

const DAY_MS = 86_400_000;

/** The Monday starting the week an instant (epoch ms) falls in. */
export function weekOf(ms: number): string {
  const day = Math.floor(ms / DAY_MS); // days since 1970-01-01, a Thursday
  const sinceMonday = (((day + 3) % 7) + 7) % 7;
  return new Date((day - sinceMonday) * DAY_MS).toISOString().slice(0, 10);
}

/**
 * The weeks of the last year: every week whose Monday falls after this day a year ago, the current
 * week included, oldest first; 52 or 53 of them, as the day of the week falls.
 */
export function weeksOfLastYear(now: number): string[] {
  const today = new Date(now);
  const yearAgo = Date.UTC(today.getUTCFullYear() - 1, today.getUTCMonth(), today.getUTCDate());
  const weeks: string[] = [];
  for (let monday = Date.parse(`${weekOf(now)}T00:00:00Z`); monday > yearAgo; monday -= 7 * DAY_MS)
    weeks.push(new Date(monday).toISOString().slice(0, 10));
  return weeks.reverse();
}
