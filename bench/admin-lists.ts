import { sql } from 'drizzle-orm';
import type { Db } from '../src/db/client.js';

/**
 * The console's lists at depth (bench:admin --only lists). The generated shop has a million orders
 * but no stored events, outbox or audit rows worth paging, so those are seeded here (once per
 * database file): 600,000 of each, with runs of equal times so the tiebreak is exercised. Each list
 * is then timed on its first page and on the page after 500,000 rows (the 10,000th), whose cursor
 * is read here with an OFFSET (the bench may; the app never does).
 */

export const SEEDED_ROWS = 600_000;
export const DEEP_ROWS = 500_000;
const T0 = 1_733_000_000_000;
const rows = (n: number) => sql`with recursive n(i) as (select 1 union all select i + 1 from n where i < ${n})`;

/** Seeds the stored events, outbox and audit log up to SEEDED_ROWS each; returns how many were added. */
export function seedLists(db: Db): { events: number; emails: number; audit: number } {
  const count = (table: string) => db.get<{ n: number }>(sql`select count(*) as n from ${sql.identifier(table)}`)!.n;
  const missing = (table: string) => Math.max(0, SEEDED_ROWS - count(table));
  const added = { events: missing('stripe_events'), emails: missing('email_outbox'), audit: missing('audit_log') };
  db.transaction((tx) => {
    if (added.events > 0)
      tx.run(sql`${rows(added.events)}
        insert into stripe_events (id, type, stripe_created, payload, status, attempts, next_attempt_at,
          received_at, processed_at, source)
        select 'evt_bench_' || i,
          case i % 4 when 0 then 'checkout.session.completed' when 1 then 'charge.refunded'
            when 2 then 'customer.created' else 'payment_intent.succeeded' end,
          ${T0 / 1000} + i / 5, '{}',
          case when i % 100 = 0 then 'failed' when i % 4 = 2 then 'ignored' else 'processed' end,
          1, 0, ${T0} + (i / 3) * 1000, ${T0} + (i / 3) * 1000, 'webhook'
        from n`);
    // Unsent emails are given up or due far ahead, so the running app's mailer leaves them alone;
    // the sent ones are marked pruned, so its daily pruning does too.
    if (added.emails > 0)
      tx.run(sql`${rows(added.emails)}
        insert into email_outbox (kind, idempotency_key, recipient, subject, text_body, html_body, message_id,
          state, attempts, next_attempt_at, created_at, updated_at, sent_at, body_pruned_at)
        select case when i % 5 = 0 then 'monthly' else 'receipt' end, 'bench:' || i,
          'shopper' || (i % 50000) || '@example.org', 'Your socks', '', '', 'bench-' || i || '@socks.test',
          case when i % 200 = 0 then 'dead' when i % 500 = 1 then 'failed' else 'sent' end, 1,
          case when i % 500 = 1 then 4102444800000 + (i / 3) * 1000 else ${T0} + (i / 3) * 1000 end,
          ${T0} + (i / 3) * 1000, ${T0} + (i / 3) * 1000,
          case when i % 200 = 0 or i % 500 = 1 then null else ${T0} + (i / 3) * 1000 + 5000 end,
          case when i % 200 = 0 or i % 500 = 1 then null else ${T0} end
        from n`);
    if (added.audit > 0)
      tx.run(sql`${rows(added.audit)}
        insert into audit_log (at, staff_id, actor, action, subject, before, after)
        select ${T0} + (i / 3) * 1000, null, 'staff' || (i % 7) || '@socks.test',
          case i % 5 when 0 then 'product.map' when 1 then 'census.publish' when 2 then 'donation.record'
            when 3 then 'month.close' else 'staff.sign_in' end,
          'bench ' || i, null, '{"n":' || i || '}'
        from n`);
  });
  return added;
}

export interface ListCase {
  label: string;
  /** The first page, and the page after DEEP_ROWS rows (or as deep as the filter goes). */
  firstUrl: string;
  deepUrl: string;
  deepRows: number;
}

interface CaseSpec {
  label: string;
  path: string;
  query: string;
  table: string;
  where: string;
  column: string;
  id: string;
  dir: 'asc' | 'desc';
}

/** The page URLs to time: every list, every sort, and the filters that read a different index. */
export function listCases(db: Db, month: string): ListCase[] {
  const [y, m] = month.split('-').map(Number) as [number, number];
  const monthFrom = Date.UTC(y, m - 1, 1);
  const monthTo = Date.UTC(y, m, 1);
  const order = (label: string, query: string, column: string, where = '1', dir: 'asc' | 'desc' = 'desc') =>
    ({ label, path: '/admin/orders', query, table: 'orders', where, column, id: 'id', dir }) satisfies CaseSpec;
  const event = (label: string, query: string, column: string, where = '1') =>
    ({ label, path: '/admin/events', query, table: 'stripe_events', where, column, id: 'rowid', dir: 'desc' }) as const;
  const email = (label: string, query: string, column: string, where = '1') =>
    ({ label, path: '/admin/emails', query, table: 'email_outbox', where, column, id: 'id', dir: 'desc' }) as const;
  const audit = (label: string, query: string, where = '1') =>
    ({ label, path: '/admin/audit', query, table: 'audit_log', where, column: 'at', id: 'id', dir: 'desc' }) as const;
  const specs: CaseSpec[] = [
    order('orders, created', '', 'created_at'),
    order('orders, created, oldest first', 'dir=asc', 'created_at', '1', 'asc'),
    order('orders, paid', 'sort=paid', 'paid_at', 'paid_at is not null'),
    order('orders, amount (two prices: long ties)', 'sort=amount', 'amount_total_minor'),
    order('orders, status paid, by amount', 'status=paid&sort=amount', 'amount_total_minor', "status = 'paid'"),
    order(
      `orders, paid in ${month}`,
      `month=${month}&sort=paid`,
      'paid_at',
      `paid_at >= ${monthFrom} and paid_at < ${monthTo}`,
    ),
    event('events, received', '', 'received_at'),
    event('events, created in Stripe', 'sort=created', 'stripe_created'),
    event('events, processed', 'status=processed', 'received_at', "status = 'processed'"),
    event(
      'events, type charge.refunded, by created',
      'type=charge.refunded&sort=created',
      'stripe_created',
      "type = 'charge.refunded'",
    ),
    email('outbox, queued', '', 'id'),
    email('outbox, sent', 'sort=sent', 'sent_at', 'sent_at is not null'),
    email('outbox, monthly, by sent', 'kind=monthly&sort=sent', 'sent_at', "kind = 'monthly' and sent_at is not null"),
    email('outbox, unsent, by due', 'sort=due', 'next_attempt_at', "state <> 'sent'"),
    audit('audit, by time', ''),
    audit('audit, one actor', 'actor=staff3%40socks.test', "actor = 'staff3@socks.test'"),
  ];
  return specs.map((spec) => {
    const matching = db.get<{ n: number }>(sql.raw(`select count(*) as n from ${spec.table} where ${spec.where}`))!.n;
    const deepRows = Math.max(0, Math.min(DEEP_ROWS, matching - 60));
    const at = db.get<{ v: number; id: number }>(
      sql.raw(
        `select ${spec.column} as v, ${spec.id} as id from ${spec.table} where ${spec.where}
         order by ${spec.column} ${spec.dir}, ${spec.id} ${spec.dir} limit 1 offset ${deepRows - 1}`,
      ),
    )!;
    const base = spec.query ? `${spec.path}?${spec.query}&` : `${spec.path}?`;
    return {
      label: spec.label,
      firstUrl: spec.query ? `${spec.path}?${spec.query}` : spec.path,
      deepUrl: `${base}after=${at.v}.${at.id}`,
      deepRows,
    };
  });
}
