import type { Db } from '../../db/client.js';
import { latestPublishedCensus, type CensusFigures } from '../../census/census.queries.js';
import { readTotals } from '../../ledger/ledger.queries.js';
import type { SupporterImpact } from '../../supporters/supporter-impact.js';

export interface PublicImpactJson {
  pairs: number;
  trapWeeks: number;
  supporters: number;
  census: CensusFigures | null;
}

/** The public totals, in the shape DESIGN.md promises for GET /api/impact. */
export function publicImpact(db: Db): PublicImpactJson {
  return { ...readTotals(db), census: latestPublishedCensus(db) };
}

export function supporterImpactJson(impact: SupporterImpact) {
  // Exactly the fields DESIGN.md promises: other tools read this shape.
  const orders = impact.orders.map(({ checkoutSessionId, paidAt, pairs, trapWeeks, status }) => ({ checkoutSessionId, paidAt, pairs, trapWeeks, status }));
  return { email: impact.email, pairs: impact.pairs, trapWeeks: impact.trapWeeks, orders };
}
