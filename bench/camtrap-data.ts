import fs from 'node:fs';
import path from 'node:path';
import type Database from 'better-sqlite3';
import { and, eq, isNotNull, sql } from 'drizzle-orm';
import { ruleInForce, type ConversionRule } from '../src/conversion/conversion-rules.js';
import { transaction, type Db } from '../src/db/client.js';
import {
  cameraWeeks,
  camtrapDeployments,
  ledgerEntries,
  orderLines,
  orders,
  supporters,
  trapWeekAllocations,
} from '../src/db/schema/index.js';
import { isoDay } from '../src/lib/clock.js';
import { periodOf } from '../src/lib/months.js';
import { newSupporterToken } from '../src/supporters/supporters.queries.js';
import { loadTable } from './camtrap-import.js';

/**
 * The data the camera-trap bench needs beyond generated orders and packages: buyers of a known
 * size, and the baselines' plain SQL (what the app's allocation does, in as few statements as
 * SQLite allows).
 */

const GBP_PER_PACK_MINOR = 1200;
const WEEK_MS = 7 * 86_400_000;

export interface Buyer {
  supporterId: number;
  token: string;
}

/**
 * `count` buyers who each paid, at `paidAt`, for `trapWeeksEach` trap-weeks (3-packs two at a time,
 * the rest in single pairs): supporters, orders, line items and sale entries, written as the app
 * writes them, so the ledger's triggers keep every sum and list each order for the allocator.
 */
export function addBuyers(
  db: Db,
  opts: { label: string; count: number; trapWeeksEach: number; paidAt: number },
): Buyer[] {
  const rule = ruleInForce(db, isoDay(opts.paidAt));
  const packs = packsFor(Math.ceil(opts.trapWeeksEach / rule.trapWeeksPerPair));
  return transaction(db, (tx) =>
    Array.from({ length: opts.count }, (_, i) => {
      const token = newSupporterToken();
      const { id } = tx
        .insert(supporters)
        .values({ email: `${opts.label}${i}@example.org`, token, createdAt: opts.paidAt })
        .returning({ id: supporters.id })
        .get();
      packs.forEach((pack, k) =>
        addOrder(tx, rule, { ...pack, key: `${opts.label}_${i}_${k}`, supporterId: id, paidAt: opts.paidAt }),
      );
      return { supporterId: id, token };
    }),
  );
}

interface BenchOrder {
  key: string;
  supporterId: number;
  paidAt: number;
  pairsPerUnit: number;
  quantity: number;
}

/** A paid order with its line item and its sale entry. */
function addOrder(tx: Db, rule: ConversionRule, o: BenchOrder): void {
  const amount = GBP_PER_PACK_MINOR * o.quantity;
  const pairs = o.pairsPerUnit * o.quantity;
  const { id } = tx
    .insert(orders)
    .values({
      checkoutSessionId: `cs_bench_${o.key}`,
      paymentIntentId: `pi_bench_${o.key}`,
      supporterId: o.supporterId,
      status: 'paid',
      amountTotalMinor: amount,
      currency: 'GBP',
      paidAt: o.paidAt,
      ruleId: rule.id,
      hasLines: true,
      createdAt: o.paidAt,
      updatedAt: o.paidAt,
    })
    .returning({ id: orders.id })
    .get();
  tx.insert(orderLines)
    .values({
      orderId: id,
      stripeLineItemId: `li_bench_${o.key}`,
      stripePriceId: `price_socks_${o.pairsPerUnit}`,
      stripeProductId: `prod_socks_${o.pairsPerUnit}`,
      description: `Leopard socks (${o.pairsPerUnit}-pack)`,
      quantity: o.quantity,
      pairsPerUnit: o.pairsPerUnit,
      amountTotalMinor: amount,
    })
    .run();
  tx.insert(ledgerEntries)
    .values({
      kind: 'sale',
      orderId: id,
      supporterId: o.supporterId,
      pairs,
      trapWeeks: pairs * rule.trapWeeksPerPair,
      donationMinor: pairs * (rule.donationPerPairMinor.GBP ?? 0),
      currency: 'GBP',
      occurredAt: o.paidAt,
      recordedAt: o.paidAt + 1000,
      reason: `paid checkout cs_bench_${o.key}`,
      eventId: `evt_bench_${o.key}`,
      period: periodOf(o.paidAt),
    })
    .run();
}

/** Orders making up `pairs`: 3-packs two at a time while six or more are left, then single pairs. */
function packsFor(pairs: number): { pairsPerUnit: number; quantity: number }[] {
  const packs: { pairsPerUnit: number; quantity: number }[] = [];
  for (let left = pairs; left > 0; left -= packs.at(-1)!.pairsPerUnit * packs.at(-1)!.quantity)
    packs.push(left >= 6 ? { pairsPerUnit: 3, quantity: 2 } : { pairsPerUnit: 1, quantity: left });
  return packs;
}

/** Each buyer's trap-weeks that hold a camera-week, and the location of one of them. */
export function allocatedWeeksOf(db: Db, buyer: Buyer): { allocated: number; locationName: string | null } {
  const a = trapWeekAllocations;
  const row = db
    .select({
      allocated: sql<number>`count(*)`,
      locationName: sql<string | null>`max(${camtrapDeployments.locationName})`,
    })
    .from(orders)
    .innerJoin(a, eq(a.orderId, orders.id))
    .innerJoin(cameraWeeks, eq(cameraWeeks.id, a.cameraWeekId))
    .innerJoin(camtrapDeployments, eq(camtrapDeployments.id, cameraWeeks.deploymentRowId))
    .where(and(eq(orders.supporterId, buyer.supporterId), isNotNull(a.cameraWeekId)))
    .get();
  return { allocated: row?.allocated ?? 0, locationName: row?.locationName ?? null };
}

/**
 * The allocator's work as plain SQL, on a connection of its own: every listed order's trap-weeks
 * numbered in one insert (as on a first allocation, none numbered yet), the list emptied, and the
 * earliest-paid waiting trap-weeks paired with the earliest free weeks of `weeks` (a query giving
 * `id` and `start_at`) in one update. It skips the rule that a week may not start before its
 * purchase's day, so it does a little less than the app. Returns the trap-weeks given a week.
 */
export function plainAllocation(sqlite: Database.Database, weeks: string, now: number): number {
  sqlite
    .prepare(
      `with recursive numbers(n) as (
         select 1 union all select n + 1 from numbers where n < (select coalesce(max(trap_weeks), 0) from orders))
       insert into trap_week_allocations (order_id, number, paid_at)
       select o.id, numbers.n, o.paid_at from trap_week_changes c
         join orders o on o.id = c.order_id join numbers on numbers.n <= o.trap_weeks
       where o.paid_at is not null`,
    )
    .run();
  sqlite.prepare('delete from trap_week_changes').run();
  return sqlite
    .prepare(
      `with waiting as (
         select id, row_number() over (order by paid_at, order_id, number) as k
         from trap_week_allocations where camera_week_id is null),
       free as (
         select id, row_number() over (order by start_at, id) as k from (${weeks})
         where id not in (select camera_week_id from trap_week_allocations where camera_week_id is not null))
       update trap_week_allocations set camera_week_id = free.id, allocated_at = ?
       from waiting join free on free.k = waiting.k
       where trap_week_allocations.id = waiting.id`,
    )
    .run(now).changes;
}

/** The camera-weeks the app gives out, as plainAllocation takes them. */
export const OPEN_CAMERA_WEEKS = 'select id, start_at from camera_weeks where is_withdrawn = 0';

/**
 * A package loaded as plainly as it can be (its CSV files into plain tables) and the weeks of its
 * cameras made by one recursive insert from their dates: the baseline's share of an import.
 * Returns the query plainAllocation takes the weeks from.
 */
export async function plainWeeksFromPackage(sqlite: Database.Database, folder: string): Promise<string> {
  for (const table of ['deployments', 'media', 'observations'])
    await loadTable(sqlite, table, fs.createReadStream(path.join(folder, `${table}.csv`)));
  sqlite.exec(`create table plain_weeks (id integer primary key, deployment_id text, slot integer, start_at integer, end_at integer);
    with recursive slots(deployment_id, slot, start_at, last) as (
      select deploymentID, 0, unixepoch(deploymentStart) * 1000, unixepoch(deploymentEnd) * 1000
      from plain_deployments where timestampIssues is not 'true'
      union all select deployment_id, slot + 1, start_at + ${WEEK_MS}, last from slots where start_at + ${2 * WEEK_MS} <= last)
    insert into plain_weeks (deployment_id, slot, start_at, end_at)
    select deployment_id, slot, start_at, start_at + ${WEEK_MS} from slots where start_at + ${WEEK_MS} <= last`);
  return 'select id, start_at from plain_weeks';
}

/** Trap-weeks whose camera-week differs between two databases holding the same orders (the other attached as `other`). */
export function differingAllocations(sqlite: Database.Database, otherFile: string): number {
  sqlite.prepare('attach database ? as other').run(otherFile);
  try {
    return sqlite
      .prepare(
        `select count(*) from trap_week_allocations a
         left join other.trap_week_allocations b on b.order_id = a.order_id and b.number = a.number
         where b.id is null or a.camera_week_id is not b.camera_week_id`,
      )
      .pluck()
      .get() as number;
  } finally {
    sqlite.prepare('detach database other').run();
  }
}
