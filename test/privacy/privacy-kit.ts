import { unpackText } from '../../src/db/packed-text.js';
import { listMonths, monthSummary } from '../../src/reconciliation/months.queries.js';
import { monthLedgerCsv, monthSummaryCsv } from '../../src/reconciliation/ledger-lines.js';
import { readTotals } from '../../src/ledger/ledger.queries.js';
import { findSupporterByEmail, type Supporter } from '../../src/supporters/supporters.queries.js';
import { purchase, stripeEvent, type PurchaseFacts } from '../helpers/stripe-events.js';
import type { TestApp } from '../helpers/test-app.js';

export const ADA = { email: 'ada@example.org', name: 'Ada Lovelace' };

/**
 * A paid purchase as Stripe would tell it: the session begun, and the event sent, at `atMs` (the
 * test clock's now by default). Session and event times matter here: they date the evidence of who
 * the buyer is against an erasure.
 */
export async function buyAt(
  t: TestApp,
  opts: { email: string; name?: string | null; pairs?: number; quantity?: number; atMs?: number },
): Promise<PurchaseFacts & { event: ReturnType<typeof stripeEvent> }> {
  const atSeconds = Math.floor((opts.atMs ?? t.clock.now()) / 1000);
  const p = purchase({
    email: opts.email,
    name: opts.name ?? null,
    createdSeconds: atSeconds,
    lines: [{ pairsPerUnit: opts.pairs ?? 1, quantity: opts.quantity ?? 1, unitAmountMinor: 1200 }],
  });
  const event = stripeEvent('checkout.session.completed', p.session, { createdSeconds: atSeconds });
  const res = await t.deliver(event);
  if (res.status !== 200) throw new Error(`webhook answered ${res.status}`);
  await t.settle();
  return { ...p, event };
}

export function supporterOf(t: TestApp, email: string): Supporter {
  const supporter = findSupporterByEmail(t.ctx.db, email);
  if (!supporter) throw new Error(`no supporter ${email}`);
  return supporter;
}

/** Every row of every table, as stored: "changes nothing" means this is the same before and after. */
export function snapshotDatabase(t: TestApp): Record<string, unknown[]> {
  const sqlite = t.ctx.database.sqlite;
  const tables = sqlite
    .prepare("select name from sqlite_master where type = 'table' and name not like 'sqlite_%' order by name")
    .pluck()
    .all() as string[];
  return Object.fromEntries(tables.map((name) => [name, sqlite.prepare(`select * from "${name}"`).all()]));
}

/** Every value the database holds, as text, packed email bodies unpacked: where personal data would show. */
export function everythingStored(t: TestApp): string {
  const parts: string[] = [];
  for (const rows of Object.values(snapshotDatabase(t)))
    for (const row of rows as Record<string, unknown>[])
      for (const value of Object.values(row)) {
        if (Buffer.isBuffer(value)) parts.push(unpackText(value));
        else if (value !== null) parts.push(String(value));
      }
  return parts.join('\n');
}

/**
 * What the accounts say: the public totals, every month's balances and close, each month's summary
 * and ledger lines as CSV, and the ledger itself. Erasing a buyer must leave all of it as it was.
 */
export function accounts(t: TestApp) {
  const now = t.clock.now();
  const months = listMonths(t.ctx.db, now);
  const sqlite = t.ctx.database.sqlite;
  return {
    totals: readTotals(t.ctx.db),
    checkedTotals: t.totals(),
    months,
    summaries: months.map((m) => monthSummaryCsv(monthSummary(t.ctx.db, m.period, now))),
    ledgerCsv: months.map((m) => [...monthLedgerCsv(t.ctx.db, m.period)].join('')),
    ledger: sqlite.prepare('select * from ledger_entries order by id').all(),
    closes: sqlite.prepare('select * from month_closes order by period').all(),
    signedOff: sqlite.prepare('select * from month_balances order by period, currency').all(),
    supporterTotals: sqlite.prepare('select * from supporter_totals order by supporter_id').all(),
    // Processing an event again touches an order's updated_at, and nothing else.
    orders: sqlite
      .prepare('select * from orders order by id')
      .all()
      .map((o) => ({ ...(o as object), updated_at: 0 })),
    allocations: sqlite.prepare('select * from trap_week_allocations order by id').all(),
  };
}
