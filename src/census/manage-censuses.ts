import { desc, eq } from 'drizzle-orm';
import { transaction, type Db } from '../db/client.js';
import { censuses } from '../db/schema/index.js';
import { isoDay } from '../lib/clock.js';
import { recordAudit, type Actor } from '../staff/audit-log.js';
import { BadRequestError, NotFoundError } from '../errors.js';

export type Census = typeof censuses.$inferSelect;

export interface CensusInput {
  countedOn: string;
  /** With no breakdown, the whole head count. */
  adults: number;
  /** Both null for a head count only; both numbers (0 included) for a census with its breakdown. */
  adolescents: number | null;
  cubs: number | null;
  source: string;
  note: string | null;
}

type ValidCensus = Omit<CensusInput, 'adolescents' | 'cubs'> & {
  adolescents: number;
  cubs: number;
  hasBreakdown: boolean;
};

export function listCensuses(db: Db): Census[] {
  return db.select().from(censuses).orderBy(desc(censuses.countedOn), desc(censuses.id)).all();
}

/** Adds a census as a draft: nothing public changes until it is published. */
export function addCensusDraft(db: Db, input: CensusInput, actor: Actor, now: number): Census {
  const census = validCensus(input, now);
  return transaction(db, (tx) => {
    const row = tx
      .insert(censuses)
      .values({ ...census, createdAt: now })
      .returning()
      .get();
    recordAudit(tx, actor, now, 'census.add', `census:${row.id}`, null, census);
    return row;
  });
}

/** Publishes a draft; the latest published census (by count date) is what pages and emails show. */
export function publishCensus(db: Db, id: number, actor: Actor, now: number): void {
  transaction(db, (tx) => {
    const row = tx.select().from(censuses).where(eq(censuses.id, id)).get();
    if (!row) throw new NotFoundError('not_found', 'There is no such census.');
    if (row.publishedAt !== null) throw new BadRequestError('already_published', 'This census is already published.');
    tx.update(censuses).set({ publishedAt: now }).where(eq(censuses.id, id)).run();
    recordAudit(tx, actor, now, 'census.publish', `census:${id}`, { publishedAt: null }, { publishedAt: now });
  });
}

function validCensus(input: CensusInput, now: number): ValidCensus {
  const countedOn = input.countedOn.trim();
  if (!/^\d{4}-\d{2}-\d{2}$/.test(countedOn) || isoDay(Date.parse(`${countedOn}T00:00:00Z`) || 0) !== countedOn) {
    throw new BadRequestError('invalid_date', 'The census date must be a real day, like 2025-04-30.', {
      field: 'countedOn',
    });
  }
  if (countedOn > isoDay(now))
    throw new BadRequestError('future_date', 'The census date cannot be in the future.', { field: 'countedOn' });
  const hasBreakdown = input.adolescents !== null || input.cubs !== null;
  if (hasBreakdown && (input.adolescents === null || input.cubs === null)) {
    throw new BadRequestError(
      'partial_breakdown',
      'Give both adolescents and cubs (0 if there were none), or leave both empty for a head count only.',
      { field: input.adolescents === null ? 'adolescents' : 'cubs' },
    );
  }
  for (const [name, value] of [
    ['adults', input.adults],
    ['adolescents', input.adolescents ?? 0],
    ['cubs', input.cubs ?? 0],
  ] as const) {
    if (!Number.isInteger(value) || value < 0 || value > 10_000)
      throw new BadRequestError('invalid_count', `The number of ${name} must be a whole number from 0.`, {
        field: name,
      });
  }
  const source = input.source.trim();
  if (!source || source.length > 300)
    throw new BadRequestError('invalid_source', 'Say where the figures come from (up to 300 characters).', {
      field: 'source',
    });
  const note = input.note?.trim() || null;
  if (note && note.length > 2000)
    throw new BadRequestError('note_too_long', 'Keep the note under 2,000 characters.', { field: 'note' });
  return {
    countedOn,
    adults: input.adults,
    adolescents: input.adolescents ?? 0,
    cubs: input.cubs ?? 0,
    hasBreakdown,
    source,
    note,
  };
}
