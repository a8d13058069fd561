import { and, asc, eq, gt, isNull, or, sql } from 'drizzle-orm';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { param, prepared, transaction, type Db } from '../db/client.js';
import { cameraWeeks, orders, trapWeekAllocations, trapWeekChanges } from '../db/schema/index.js';
import { BackgroundLoop } from '../lib/background-loop.js';
import type { Logger } from '../lib/logger.js';

const ORDERS_PER_TRANSACTION = 500;
const ALLOCATIONS_PER_TRANSACTION = 2000;
const DAY_MS = 86_400_000;

/**
 * Matches funded trap-weeks to camera-weeks, in two steps, each in short transactions with a turn
 * of the event loop between them:
 *
 * 1. Every order whose net trap-weeks moved (the ledger's trigger lists it) gets its trap-weeks
 *    numbered 1…n: new ones wait for a camera-week; when a refund or a lost dispute takes weeks
 *    back, the order's latest ones are released, and their camera-weeks are free again.
 * 2. Waiting trap-weeks get free camera-weeks: purchases in the order they were paid (then by
 *    order and number, so ties always fall the same way), each the earliest free camera-week that
 *    starts on or after the day it was paid (the money pays for cameras that run after it came).
 *    A camera-week given is kept: nothing here ever takes one from a trap-week that holds it.
 *
 * The ledger stays the record of how many trap-weeks each order funded; this is a view of it, and
 * `ledger:check` checks the two agree.
 */
export async function allocateTrapWeeks(db: Db, now: number): Promise<{ ordersSynced: number; allocated: number }> {
  let ordersSynced = 0;
  for (;;) {
    const synced = syncChangedOrders(db);
    if (synced === 0) break;
    ordersSynced += synced;
    await nextTurn();
  }
  return { ordersSynced, allocated: await allocateWaiting(db, now) };
}

/** One batch of changed orders brought to their ledger's trap-weeks; returns how many orders it took. */
function syncChangedOrders(db: Db): number {
  return transaction(
    db,
    (tx) => {
      const changed = prepared(tx, changedOrders).all();
      const added: [orderId: number, number: number, paidAt: number][] = [];
      for (const order of changed) {
        const wanted = order.paidAt === null ? 0 : Math.max(0, order.trapWeeks);
        for (let number = order.have + 1; number <= wanted; number++) added.push([order.id, number, order.paidAt!]);
        if (order.have > wanted) prepared(tx, releaseBeyond).run({ orderId: order.id, wanted });
      }
      if (added.length > 0) addTrapWeeks(tx, added);
      if (changed.length > 0) prepared(tx, clearChanges).run({ orderIds: JSON.stringify(changed.map((o) => o.id)) });
      return changed.length;
    },
    'immediate',
  );
}

/** The next orders on the allocator's list, with how many trap-weeks each has numbered already. */
const changedOrders = (db: Db) =>
  db
    .select({
      id: orders.id,
      trapWeeks: orders.trapWeeks,
      paidAt: orders.paidAt,
      have: sql<number>`(select count(*) from ${trapWeekAllocations} where ${trapWeekAllocations.orderId} = ${orders.id})`,
    })
    .from(trapWeekChanges)
    .innerJoin(orders, eq(orders.id, trapWeekChanges.orderId))
    // In the list's own order, so SQLite walks the list and looks each order up, rather than walking
    // every order for the few listed (which made a first allocation over a million orders quadratic).
    .orderBy(trapWeekChanges.orderId)
    .limit(ORDERS_PER_TRANSACTION)
    .prepare();

/** A refund took weeks back: the order's latest trap-weeks go, and their camera-weeks are free again. */
const releaseBeyond = (db: Db) =>
  db
    .delete(trapWeekAllocations)
    .where(
      and(
        eq(trapWeekAllocations.orderId, sql.placeholder('orderId')),
        gt(trapWeekAllocations.number, sql.placeholder('wanted')),
      ),
    )
    .prepare();

const clearChanges = (db: Db) =>
  db
    .delete(trapWeekChanges)
    .where(sql`${trapWeekChanges.orderId} in (select value from json_each(${sql.placeholder('orderIds')}))`)
    .prepare();

/**
 * New waiting trap-weeks, a batch of them in one statement handed one JSON array: a shop's first
 * allocation numbers every trap-week it ever sold, a million or more, and a statement per row
 * spends more time being filled in than SQLite spends storing it.
 */
function addTrapWeeks(tx: Db, rows: [number, number, number][]): void {
  const a = trapWeekAllocations;
  tx.run(
    sql`insert into ${a} (${sql.join(
      [a.orderId, a.number, a.paidAt].map((column) => sql.identifier(column.name)),
      sql`, `,
    )}) select value->>0, value->>1, value->>2 from json_each(${JSON.stringify(rows)})`,
  );
}

interface Waiting {
  id: number;
  orderId: number;
  number: number;
  paidAt: number;
}

/**
 * Gives free camera-weeks to waiting trap-weeks, earliest paid first. Both lists are walked once,
 * side by side: a camera-week too early for one trap-week is too early for every later one.
 */
async function allocateWaiting(db: Db, now: number): Promise<number> {
  const free = freeCameraWeeks(db);
  let next = 0;
  let allocated = 0;
  let after: Waiting | null = null;
  while (next < free.length) {
    const waiting = waitingAfter(db, after, ALLOCATIONS_PER_TRANSACTION);
    if (waiting.length === 0) break;
    const given: { allocationId: number; cameraWeekId: number }[] = [];
    for (const trapWeek of waiting) {
      const earliest = startOfDay(trapWeek.paidAt);
      while (next < free.length && free[next]!.startAt < earliest) next++;
      if (next === free.length) break;
      given.push({ allocationId: trapWeek.id, cameraWeekId: free[next++]!.id });
    }
    transaction(
      db,
      (tx) => {
        for (const { allocationId, cameraWeekId } of given) {
          // Only a trap-week still waiting takes it: a refund meanwhile may have released it.
          prepared(tx, giveWeek).run({ allocationId, cameraWeekId, now });
        }
      },
      'immediate',
    );
    allocated += given.length;
    after = waiting.at(-1)!;
    await nextTurn();
  }
  return allocated;
}

/** Camera-weeks no trap-week holds, of deployments still in the park's data, earliest first. */
function freeCameraWeeks(db: Db): { id: number; startAt: number }[] {
  return db
    .select({ id: cameraWeeks.id, startAt: cameraWeeks.startAt })
    .from(cameraWeeks)
    .where(
      and(
        eq(cameraWeeks.isWithdrawn, false),
        sql`not exists (select 1 from ${trapWeekAllocations} where ${trapWeekAllocations.cameraWeekId} = ${cameraWeeks.id})`,
      ),
    )
    .orderBy(asc(cameraWeeks.startAt), asc(cameraWeeks.id))
    .all();
}

/** The next waiting trap-weeks in serving order, after `after` (keyset: no deep offsets). */
function waitingAfter(db: Db, after: Waiting | null, limit: number): Waiting[] {
  const a = trapWeekAllocations;
  const isAfter = after
    ? or(
        gt(a.paidAt, after.paidAt),
        and(eq(a.paidAt, after.paidAt), gt(a.orderId, after.orderId)),
        and(eq(a.paidAt, after.paidAt), eq(a.orderId, after.orderId), gt(a.number, after.number)),
      )
    : undefined;
  return db
    .select({ id: a.id, orderId: a.orderId, number: a.number, paidAt: a.paidAt })
    .from(a)
    .where(and(isNull(a.cameraWeekId), isAfter))
    .orderBy(asc(a.paidAt), asc(a.orderId), asc(a.number))
    .limit(limit)
    .all();
}

const giveWeek = (db: Db) =>
  db
    .update(trapWeekAllocations)
    .set({
      cameraWeekId: param(trapWeekAllocations.cameraWeekId, 'cameraWeekId'),
      allocatedAt: param(trapWeekAllocations.allocatedAt, 'now'),
    })
    .where(and(eq(trapWeekAllocations.id, sql.placeholder('allocationId')), isNull(trapWeekAllocations.cameraWeekId)))
    .prepare();

function startOfDay(ms: number): number {
  return Math.floor(ms / DAY_MS) * DAY_MS;
}

/** The allocation as a background job: every ten seconds, and when woken (an import has landed). */
export function scheduleAllocation(db: Db, now: () => number, logger: Logger): BackgroundLoop {
  return new BackgroundLoop(
    'camera-week allocation',
    async () => {
      const started = performance.now();
      const result = await allocateTrapWeeks(db, now());
      if (result.allocated > 0 || result.ordersSynced > 0) {
        logger.info('trap-weeks matched to camera-weeks', { ...result, ms: Math.round(performance.now() - started) });
      }
    },
    logger,
    { everyMs: 10_000 },
  );
}

/**
 * Orders whose trap-weeks and allocations disagree, leaving out those the allocator has still to
 * look at: each order must have exactly its net trap-weeks, numbered 1…n (so none twice). No
 * camera-week can be held twice: a unique index refuses it.
 */
export function findAllocationDrift(db: Db): number[] {
  const a = trapWeekAllocations;
  return db
    .select({ orderId: orders.id })
    .from(orders)
    .leftJoin(a, eq(a.orderId, orders.id))
    .where(sql`${orders.id} not in (select ${trapWeekChanges.orderId} from ${trapWeekChanges})`)
    .groupBy(orders.id)
    .having(
      sql`count(${a.id}) <> case when ${orders.paidAt} is null or ${orders.trapWeeks} < 0 then 0 else ${orders.trapWeeks} end
        or coalesce(max(${a.number}), 0) <> count(${a.id})`,
    )
    .orderBy(orders.id)
    .all()
    .map((row) => row.orderId);
}
