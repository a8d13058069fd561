import { gte } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { ledgerWeekSums } from '../db/schema/index.js';
import type { LedgerKind } from '../ledger/ledger.queries.js';

/** What a week's entries did to pairs and trap-weeks, taken-back pairs counted positive. */
export interface WeekFigures {
  /** Its Monday, YYYY-MM-DD. */
  week: string;
  /** Sales and adjustments (a product mapped later, a rule corrected). */
  soldPairs: number;
  refundedPairs: number;
  /** Lost disputes less won ones. */
  reversedPairs: number;
  /** Net trap-weeks funded by everything that happened that week. */
  trapWeeks: number;
}

const SOLD: LedgerKind[] = ['sale', 'adjustment'];
const REVERSED: LedgerKind[] = ['dispute_lost', 'dispute_won'];

/**
 * Each of the given weeks' figures (oldest first, as given), from the week sums the ledger trigger
 * keeps: about a hundred rows for a year, however many orders there are.
 */
export function weeklySales(db: Db, weeks: string[]): WeekFigures[] {
  const rows = weeks.length
    ? db
        .select({
          week: ledgerWeekSums.week,
          kind: ledgerWeekSums.kind,
          pairs: ledgerWeekSums.pairs,
          trapWeeks: ledgerWeekSums.trapWeeks,
        })
        .from(ledgerWeekSums)
        .where(gte(ledgerWeekSums.week, weeks[0]!))
        .all()
    : [];
  const byWeek = new Map(
    weeks.map((week) => [week, { week, soldPairs: 0, refundedPairs: 0, reversedPairs: 0, trapWeeks: 0 }]),
  );
  for (const row of rows) {
    const figures = byWeek.get(row.week);
    if (!figures) continue; // a week after the last one asked for (an entry dated ahead)
    const kind = row.kind as LedgerKind;
    if (SOLD.includes(kind)) figures.soldPairs += row.pairs;
    else if (kind === 'refund') figures.refundedPairs -= row.pairs;
    else if (REVERSED.includes(kind)) figures.reversedPairs -= row.pairs;
    figures.trapWeeks += row.trapWeeks;
  }
  return [...byWeek.values()];
}
