import type { Db } from '../../db/client.js';
import { latestPublishedCensus, type CensusFigures } from '../../census/census.queries.js';
import { readTotals } from '../../ledger/ledger.queries.js';
import type { SupporterCameraWeeks } from '../../camtrap/supporter-weeks.js';
import { fundedShareByYear, type FundedYear } from '../../camtrap/funded-share.js';
import type { SupporterImpact } from '../../supporters/supporter-impact.js';

export interface PublicImpactJson {
  pairs: number;
  trapWeeks: number;
  supporters: number;
  census: Omit<CensusFigures, 'hasBreakdown'> | null;
  /** The park's camera-weeks per year (by the day each starts) and how many sock buyers funded: figures, never a place. */
  cameraWeeks: { years: FundedYear[] };
}

/** The public totals, in the shape docs/domain.md promises for GET /api/impact: exactly its fields. */
export function publicImpact(db: Db): PublicImpactJson {
  const census = latestPublishedCensus(db);
  return {
    ...readTotals(db),
    census: census && {
      date: census.date,
      adults: census.adults,
      adolescents: census.adolescents,
      cubs: census.cubs,
      total: census.total,
    },
    cameraWeeks: { years: fundedShareByYear(db) },
  };
}

export function supporterImpactJson(impact: SupporterImpact, cameraWeeks: SupporterCameraWeeks) {
  // Exactly the fields docs/domain.md promises: other tools read this shape.
  const orders = impact.orders.map(({ checkoutSessionId, paidAt, pairs, trapWeeks, status }) => ({
    checkoutSessionId,
    paidAt,
    pairs,
    trapWeeks,
    status,
  }));
  const { allocated, waiting, ahead, leopardVisits } = cameraWeeks;
  const weeks = cameraWeeks.weeks.map(({ start, end, locationName, leopardVisits, cubVisits, otherSpecies }) => ({
    start,
    end,
    locationName,
    leopardVisits,
    cubVisits,
    otherSpecies,
  }));
  return {
    email: impact.email,
    pairs: impact.pairs,
    trapWeeks: impact.trapWeeks,
    orders,
    cameraWeeks: { allocated, waiting, ahead, leopardVisits, weeks },
  };
}
