import { fundedShareByYear } from '../../camtrap/funded-share.js';
import { listPublishedCensuses, type CensusFigures } from '../../census/census.queries.js';
import { ruleInForce } from '../../conversion/conversion-rules.js';
import type { Db } from '../../db/client.js';
import { readTotals } from '../../ledger/ledger.queries.js';
import { isoDay } from '../../lib/clock.js';
import { censusChart } from './census-chart.presenter.js';
import { fundedShareSection } from './funded-share.presenter.js';
import { formatDay, formatNumber, formatYears, plural, WEEKS_PER_YEAR } from '../../lib/format.js';

export interface CensusView {
  date: string;
  day: string;
  year: string;
  total: string;
  /** A head count only (the founding estimate, say): its adults, adolescents and cubs show as not recorded. */
  hasBreakdown: boolean;
  adults: string;
  adolescents: string;
  cubs: string;
  /** "84 adults, 7 adolescents, 12 cubs", or "not recorded". */
  breakdown: string;
}

/** Everything GET / shows, formatted. `now` picks the conversion rule the page describes. */
export function homePage(db: Db, now: number) {
  const totals = readTotals(db);
  const weeksPerPair = ruleInForce(db, isoDay(now)).trapWeeksPerPair;
  const history = listPublishedCensuses(db);
  const latest = history[history.length - 1];
  return {
    title: 'Every pair keeps a camera trap watching',
    figures: {
      pairs: formatNumber(totals.pairs),
      pairsUnit: plural(totals.pairs, 'pair of socks sold', 'pairs of socks sold'),
      trapWeeks: formatNumber(totals.trapWeeks),
      trapWeeksUnit: plural(totals.trapWeeks, 'camera-trap-week funded', 'camera-trap-weeks funded'),
      /** Only once it amounts to a year: "0.0 years" reads like a rounding error. */
      years: totals.trapWeeks >= WEEKS_PER_YEAR ? formatYears(totals.trapWeeks) : undefined,
      supporters: formatNumber(totals.supporters),
      supportersUnit: plural(totals.supporters, 'supporter', 'supporters'),
    },
    /** "one week", "2 weeks": what a pair pays for under the rule in force, never a hard-coded promise. */
    perPair: weeksPerPair === 1 ? 'one week' : `${formatNumber(weeksPerPair)} ${plural(weeksPerPair, 'week', 'weeks')}`,
    latestCensus: latest ? censusView(latest) : undefined,
    censusHistory: history.map(censusView),
    chart: censusChart(history),
    /** The park's camera-weeks, year by year, and the share sock buyers funded. */
    cameraWeeks: fundedShareSection(fundedShareByYear(db)),
  };
}

export function censusView(census: CensusFigures): CensusView {
  const { hasBreakdown } = census;
  const shown = (n: number) => (hasBreakdown ? formatNumber(n) : 'not recorded');
  return {
    date: census.date,
    day: formatDay(census.date),
    year: census.date.slice(0, 4),
    total: formatNumber(census.total),
    hasBreakdown,
    adults: shown(census.adults),
    adolescents: shown(census.adolescents),
    cubs: shown(census.cubs),
    breakdown: hasBreakdown
      ? [
          `${formatNumber(census.adults)} ${plural(census.adults, 'adult', 'adults')}`,
          `${formatNumber(census.adolescents)} ${plural(census.adolescents, 'adolescent', 'adolescents')}`,
          `${formatNumber(census.cubs)} ${plural(census.cubs, 'cub', 'cubs')}`,
        ].join(', ')
      : 'not recorded',
  };
}
