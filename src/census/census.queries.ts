import { asc, desc, isNotNull } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { censuses } from '../db/schema/index.js';

export interface CensusFigures {
  date: string;
  adults: number;
  adolescents: number;
  cubs: number;
  total: number;
  /** False for a head count only: adolescents and cubs were not recorded (they read 0). */
  hasBreakdown: boolean;
}

type CensusRow = typeof censuses.$inferSelect;

function figuresOf(row: CensusRow): CensusFigures {
  return {
    date: row.countedOn,
    adults: row.adults,
    adolescents: row.adolescents,
    cubs: row.cubs,
    total: row.adults + row.adolescents + row.cubs,
    hasBreakdown: row.hasBreakdown,
  };
}

/** The latest published census: what pages and emails show. */
export function latestPublishedCensus(db: Db): CensusFigures | null {
  const row = db
    .select()
    .from(censuses)
    .where(isNotNull(censuses.publishedAt))
    .orderBy(desc(censuses.countedOn), desc(censuses.id))
    .limit(1)
    .get();
  return row ? figuresOf(row) : null;
}

/** Every published census, oldest first: the history the public page charts. */
export function listPublishedCensuses(db: Db): CensusFigures[] {
  return db
    .select()
    .from(censuses)
    .where(isNotNull(censuses.publishedAt))
    .orderBy(asc(censuses.countedOn), asc(censuses.id))
    .all()
    .map(figuresOf);
}
