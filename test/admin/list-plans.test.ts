import { describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/client.js';
import type { SQL } from 'drizzle-orm';
import { keysetOrder, keysetSegments, type Direction, type KeysetSort, type PageStart } from '../../src/db/keyset.js';
import { outboxPageQuery, OUTBOX_SORTS, type OutboxSearch } from '../../src/dashboard/emails.queries.js';
import { ORDER_SORTS, orderPageQuery, type OrderSearch } from '../../src/orders/order-search.queries.js';
import { auditPageQuery } from '../../src/staff/audit-log.js';
import { EVENT_SORTS, eventPageQuery, type EventSearch } from '../../src/stripe/event-admin.queries.js';
import { createTestApp } from '../helpers/test-app.js';

/**
 * Every sort × filter shape the console lists offer, on every kind of page (the first, after a
 * cursor, before one), is an index walk in the sort's order: no scan of the table, no sort of its
 * rows. Filters that narrow to a handful of rows (one shopper, one recipient, the unmapped orders)
 * are read through their own index and may be sorted after, which costs nothing at that size.
 */

const STARTS: PageStart[] = [
  { top: true },
  { after: { value: 1_700_000_000_000, id: 500 } },
  { before: { value: 5, id: 9 } },
];
const DIRECTIONS: Direction[] = ['desc', 'asc'];

interface ListQuery {
  sort: KeysetSort;
  build(where: SQL | undefined, orderBy: SQL[], limit: number): { toSQL(): { sql: string; params: unknown[] } };
}

/** The plans of the queries a page from `start` runs: one from the top, two from a cursor (its tie, then beyond). */
function plansOf(db: Db, query: ListQuery, start: PageStart): string[][] {
  return keysetSegments(query.sort, start).map((where) => {
    const { sql, params } = query.build(where, keysetOrder(query.sort, start), 51).toSQL();
    return db.$client
      .prepare(`explain query plan ${sql}`)
      .all(...(params as never[]))
      .map((row) => (row as { detail: string }).detail);
  });
}

/** The plan's lines, checked: read through `index`, never scanned whole, and sorted by the index unless `mayOrder`. */
function expectIndexWalk(plans: string[][], table: string, index: string, mayOrder = false) {
  for (const plan of plans) expectPlan(plan.join('\n'), table, index, mayOrder);
}

function expectPlan(shown: string, table: string, index: string, mayOrder: boolean) {
  if (index === 'INTEGER PRIMARY KEY') {
    // The table itself in rowid order: the first page reads it from one end (SQLite says SCAN), the others from the cursor.
    expect(shown, shown).toMatch(
      new RegExp(`^(SCAN ${table}|SEARCH ${table} USING INTEGER PRIMARY KEY \\(rowid[<>=]\\?\\))$`, 'm'),
    );
    return expect(shown, shown).not.toContain('TEMP B-TREE');
  }
  expect(shown, shown).not.toMatch(new RegExp(`^SCAN ${table}$`, 'm'));
  expect(shown, shown).toMatch(new RegExp(`(SCAN|SEARCH) \\w+ USING (COVERING )?(INDEX ${index}\\b|${index})`, 'm'));
  if (!mayOrder) expect(shown, shown).not.toContain('TEMP B-TREE');
}

function eachShape<F>(filters: Record<string, F>, run: (filter: F, direction: Direction, start: PageStart) => void) {
  for (const filter of Object.values(filters))
    for (const direction of DIRECTIONS) for (const start of STARTS) run(filter, direction, start);
}

describe('the console lists’ query plans', () => {
  const freshDb = () => createTestApp().ctx.db;

  it('orders: every sort alone, by status, by month (paid), are index walks; a shopper or the unmapped through their own index', () => {
    const db = freshDb();
    const sortIndex = { created: 'orders_created_at', paid: 'orders_paid_at', amount: 'orders_amount' };
    const statusIndex = {
      created: 'orders_status_created_at',
      paid: 'orders_status_paid_at',
      amount: 'orders_status_amount',
    };
    for (const sort of ORDER_SORTS) {
      const shapes: Record<string, [Partial<OrderSearch>, string, boolean]> = {
        none: [{}, sortIndex[sort], false],
        status: [{ status: 'expired' }, statusIndex[sort], false],
        unmapped: [{ hasUnmappedLines: true }, 'order_lines_unmapped', true],
        id: [{ text: 'cs_test_1' }, 'orders_checkout_session_id_unique', true],
        paymentIntent: [{ text: 'pi_1' }, 'orders_payment_intent', true],
        ...(sort === 'paid' && {
          month: [{ month: '2025-02' }, 'orders_paid_at', false],
          statusMonth: [{ month: '2025-02', status: 'paid' }, 'orders_status_paid_at', false],
        }),
      };
      eachShape(shapes, ([filter, index, mayOrder], direction, start) => {
        const query = orderPageQuery(db, { ...filter, sort, direction })!;
        expectIndexWalk(plansOf(db, query, start), 'orders', index, mayOrder);
      });
    }
  });

  it('webhook events: both sorts alone, by status, by type, and received in a date range', () => {
    const db = freshDb();
    const column = { received: 'received', created: 'created' };
    for (const sort of EVENT_SORTS) {
      const shapes: Record<string, [Partial<EventSearch>, string]> = {
        none: [{}, `stripe_events_${column[sort]}`],
        status: [{ status: 'failed' }, `stripe_events_status_${column[sort]}`],
        type: [{ type: 'charge.refunded' }, `stripe_events_type_${column[sort]}`],
        statusAndType: [{ type: 'charge.refunded', status: 'failed' }, `stripe_events_type_${column[sort]}`],
        ...(sort === 'received' && {
          range: [{ receivedFrom: 1, receivedBefore: 2 }, 'stripe_events_received'],
          statusRange: [{ status: 'failed', receivedFrom: 1, receivedBefore: 2 }, 'stripe_events_status_received'],
        }),
      };
      eachShape(shapes, ([filter, index], direction, start) => {
        const query = eventPageQuery(db, { ...filter, sort, direction });
        expectIndexWalk(plansOf(db, query, start), 'stripe_events', index);
      });
    }
  });

  it('the outbox: queued, sent and due, alone, by state and by kind; a recipient through their own index', () => {
    const db = freshDb();
    const shapesOf: Record<(typeof OUTBOX_SORTS)[number], Record<string, [Partial<OutboxSearch>, string, boolean?]>> = {
      queued: {
        none: [{}, 'INTEGER PRIMARY KEY'],
        state: [{ state: 'failed' }, 'email_outbox_state'],
        kind: [{ kind: 'monthly' }, 'email_outbox_kind'],
        recipient: [{ recipient: 'ada@example.org' }, 'email_outbox_recipient'],
      },
      sent: {
        none: [{}, 'email_outbox_sent_at'],
        state: [{ state: 'sent' }, 'email_outbox_sent_at'],
        kind: [{ kind: 'receipt' }, 'email_outbox_kind_sent_at'],
        recipient: [{ recipient: 'ada@example.org' }, 'email_outbox_recipient', true],
      },
      due: {
        none: [{}, 'email_outbox_unsent_due'],
        state: [{ state: 'failed' }, 'email_outbox_unsent_state_due'],
        kind: [{ kind: 'monthly' }, 'email_outbox_unsent_due'],
        recipient: [{ recipient: 'ada@example.org' }, 'email_outbox_recipient', true],
      },
    };
    for (const sort of OUTBOX_SORTS)
      eachShape(shapesOf[sort], ([filter, index, mayOrder], direction, start) => {
        const query = outboxPageQuery(db, { ...filter, sort, direction });
        expectIndexWalk(plansOf(db, query, start), 'email_outbox', index, mayOrder);
      });
  });

  it('the audit log: by time, alone, for one actor and for one action', () => {
    const db = freshDb();
    const shapes = {
      none: [{}, 'audit_log_at'],
      actor: [{ actor: 'ada@socks.example' }, 'audit_log_actor_at'],
      action: [{ action: 'census.publish' }, 'audit_log_action_at'],
    } as const;
    eachShape(shapes, ([filter, index], direction, start) => {
      expectIndexWalk(plansOf(db, auditPageQuery(db, { ...filter, direction }), start), 'audit_log', index);
    });
  });
});
