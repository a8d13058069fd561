import type Stripe from 'stripe';
import type { Db } from '../db/client.js';
import { periodEnd, periodStart } from '../lib/months.js';
import { pagesOf, retrieveOrNull, type CallOptions } from './stripe-api.js';
import {
  findOrdersBySessions,
  findPaymentChildren,
  listPaidOrdersBetween,
  type OrderFacts,
  type PaymentChildFacts,
} from './month-check.queries.js';
import { BadRequestError } from '../errors.js';

export type DifferenceKind =
  | 'missing_here'
  | 'not_in_stripe'
  | 'other_mode'
  | 'amount_differs'
  | 'refund_differs'
  | 'dispute_differs'
  | 'unmapped_lines';

/** One way the ledger and Stripe disagree about one object. Amounts are minor units of `currency`. */
export interface Difference {
  kind: DifferenceKind;
  currency: string;
  object: 'checkout.session' | 'refund' | 'dispute';
  id: string;
  stripe: { state: string; amountMinor: number } | null;
  ledger: { state: string; amountMinor: number } | null;
  /** Whether fetching the object from Stripe and processing it would fix it. */
  isFixable: boolean;
}

export interface SideTotals {
  paidCount: number;
  paidMinor: number;
  refundedMinor: number;
  disputedMinor: number;
  /** Only the ledger knows pairs. */
  pairs: number | null;
}

export interface MonthCheckReport {
  period: string;
  checkedAt: number;
  mode: 'live' | 'test';
  counted: { sessions: number; refunds: number; disputes: number };
  differences: Difference[];
  currencies: { currency: string; stripe: SideTotals; ledger: SideTotals }[];
}

export interface MonthCheckProgress {
  sessions: number;
  refunds: number;
  disputes: number;
  orders: number;
}

export interface MonthCheckDeps {
  db: Db;
  stripe: Stripe;
  isLiveKey: boolean;
  now: number;
}

const INACTIVE_REFUND = ['failed', 'canceled'];
const ORDER_CHUNK = 1000;

/**
 * Compares a month's checkout sessions, refunds and disputes in Stripe with the ledger, page by page
 * (memory holds the month's session ids and the differences, never the objects). Writes nothing.
 */
export async function checkMonthAgainstStripe(
  deps: MonthCheckDeps,
  period: string,
  opts: CallOptions & { onProgress?(p: MonthCheckProgress): void } = {},
): Promise<MonthCheckReport> {
  const fromMs = periodStart(period);
  const toMs = periodEnd(period);
  if (fromMs > deps.now) throw new BadRequestError('period_not_started', `${period} has not started yet`);
  const created = { gte: fromMs / 1000, lt: toMs / 1000 };
  const report: MonthCheckReport = {
    period,
    checkedAt: deps.now,
    mode: deps.isLiveKey ? 'live' : 'test',
    counted: { sessions: 0, refunds: 0, disputes: 0 },
    differences: [],
    currencies: [],
  };
  const totals = new Map<string, MonthCheckReport['currencies'][number]>();
  const sideOf = (currency: string) => {
    let t = totals.get(currency);
    if (!t) totals.set(currency, (t = { currency, stripe: emptySide(null), ledger: emptySide(0) }));
    return t;
  };
  const progress = { sessions: 0, refunds: 0, disputes: 0, orders: 0 };
  const seenSessions = new Set<string>();
  const list = { limit: 100, created } as const;
  const after = (startingAfter: string | undefined) => (startingAfter ? { starting_after: startingAfter } : {});

  for await (const page of pagesOf(
    'checkout sessions',
    (a) => deps.stripe.checkout.sessions.list({ ...list, ...after(a) }),
    opts,
  )) {
    const local = findOrdersBySessions(
      deps.db,
      page.map((s) => s.id),
    );
    for (const session of page) {
      seenSessions.add(session.id);
      compareSession(session, local.get(session.id), report.differences, sideOf);
    }
    progress.sessions += page.length;
    opts.onProgress?.(progress);
  }
  const children = [
    ['refunds', 'refund_differs', (a: string | undefined) => deps.stripe.refunds.list({ ...list, ...after(a) })],
    ['disputes', 'dispute_differs', (a: string | undefined) => deps.stripe.disputes.list({ ...list, ...after(a) })],
  ] as const;
  for (const [which, kind, fetchPage] of children) {
    for await (const page of pagesOf<PaymentChild>(which, fetchPage, opts)) {
      const local = findPaymentChildren(
        deps.db,
        which,
        page.map((c) => c.id),
      );
      for (const child of page) compareChild(kind, child, local.get(child.id), report.differences, sideOf);
      progress[which] += page.length;
      opts.onProgress?.(progress);
    }
  }
  await checkLedgerOrders(
    deps,
    fromMs,
    toMs,
    seenSessions,
    report,
    sideOf,
    (n) => {
      progress.orders += n;
      opts.onProgress?.(progress);
    },
    opts,
  );
  report.counted = { sessions: progress.sessions, refunds: progress.refunds, disputes: progress.disputes };
  report.currencies = [...totals.values()].sort((a, b) => a.currency.localeCompare(b.currency));
  return report;
}

function emptySide(pairs: number | null): SideTotals {
  return { paidCount: 0, paidMinor: 0, refundedMinor: 0, disputedMinor: 0, pairs };
}

type SideOf = (currency: string) => MonthCheckReport['currencies'][number];

function compareSession(
  session: Stripe.Checkout.Session,
  order: OrderFacts | undefined,
  out: Difference[],
  sideOf: SideOf,
) {
  const currency = (session.currency ?? '').toUpperCase();
  const isPaid = session.payment_status === 'paid';
  const amount = session.amount_total ?? 0;
  if (isPaid) {
    sideOf(currency).stripe.paidCount++;
    sideOf(currency).stripe.paidMinor += amount;
  }
  const stripe = { state: session.payment_status, amountMinor: amount };
  const ledger = order ? { state: order.status, amountMinor: order.amountTotalMinor } : null;
  const base = { currency, object: 'checkout.session' as const, id: session.id, stripe, ledger };
  if (order && order.livemode !== session.livemode) out.push({ ...base, kind: 'other_mode', isFixable: false });
  else if (isPaid && order?.status !== 'paid') out.push({ ...base, kind: 'missing_here', isFixable: true });
  else if (isPaid && order && order.amountTotalMinor !== amount)
    out.push({ ...base, kind: 'amount_differs', isFixable: false });
  if (isPaid && order?.status === 'paid' && order.unmappedLines > 0)
    out.push({
      ...base,
      kind: 'unmapped_lines',
      ledger: { state: `${order.unmappedLines} unmapped`, amountMinor: order.amountTotalMinor },
      isFixable: false,
    });
}

/** A refund or a dispute as Stripe lists it. */
type PaymentChild = { id: string; currency: string; status: string | null; amount: number };

/**
 * Refunds count towards the refunded total unless they failed or were cancelled; disputes count
 * whatever their outcome. Either differs when the ledger lacks it or keeps another state.
 */
function compareChild(
  kind: 'refund_differs' | 'dispute_differs',
  stripe: PaymentChild,
  mine: PaymentChildFacts | undefined,
  out: Difference[],
  sideOf: SideOf,
): void {
  const totals = sideOf(stripe.currency.toUpperCase());
  const counts = (status: string | null) => kind === 'dispute_differs' || !INACTIVE_REFUND.includes(status ?? '');
  const field = kind === 'refund_differs' ? 'refundedMinor' : 'disputedMinor';
  if (counts(stripe.status)) totals.stripe[field] += stripe.amount;
  if (mine && counts(mine.status)) totals.ledger[field] += mine.amountMinor;
  if (!mine || mine.status !== stripe.status || mine.amountMinor !== stripe.amount)
    out.push(childDifference(kind, stripe, mine));
}

function childDifference(
  kind: 'refund_differs' | 'dispute_differs',
  stripe: PaymentChild,
  mine: PaymentChildFacts | undefined,
): Difference {
  return {
    kind,
    currency: stripe.currency.toUpperCase(),
    object: kind === 'refund_differs' ? 'refund' : 'dispute',
    id: stripe.id,
    stripe: { state: stripe.status ?? 'unknown', amountMinor: stripe.amount },
    ledger: mine ? { state: mine.status, amountMinor: mine.amountMinor } : null,
    isFixable: true,
  };
}

/**
 * The ledger's side: every order paid in the month counts in its totals; one whose session Stripe
 * did not list for the month is looked up alone (it may have been created the month before).
 */
async function checkLedgerOrders(
  deps: MonthCheckDeps,
  fromMs: number,
  toMs: number,
  seen: Set<string>,
  report: MonthCheckReport,
  sideOf: SideOf,
  onChunk: (n: number) => void,
  opts: CallOptions,
): Promise<void> {
  let after: { paidAt: number; id: number } | null = null;
  for (;;) {
    const chunk = listPaidOrdersBetween(deps.db, fromMs, toMs, after, ORDER_CHUNK);
    if (chunk.length === 0) return;
    for (const order of chunk) {
      const side = sideOf(order.currency).ledger;
      side.paidCount++;
      side.paidMinor += order.amountTotalMinor;
      side.pairs = (side.pairs ?? 0) + order.soldPairs;
      if (seen.has(order.checkoutSessionId)) continue;
      const session = await retrieveOrNull(
        'checkout sessions',
        () => deps.stripe.checkout.sessions.retrieve(order.checkoutSessionId),
        opts,
      );
      const ledger = { state: order.status, amountMinor: order.amountTotalMinor };
      const base = {
        currency: order.currency,
        object: 'checkout.session' as const,
        id: order.checkoutSessionId,
        ledger,
        isFixable: false,
      };
      if (!session)
        report.differences.push({
          ...base,
          kind: order.livemode !== deps.isLiveKey ? 'other_mode' : 'not_in_stripe',
          stripe: null,
        });
      else if (session.payment_status !== 'paid' || session.livemode !== order.livemode)
        report.differences.push({
          ...base,
          kind: session.livemode !== order.livemode ? 'other_mode' : 'not_in_stripe',
          stripe: { state: session.payment_status, amountMinor: session.amount_total ?? 0 },
        });
    }
    const last = chunk[chunk.length - 1]!;
    after = { paidAt: last.paidAt!, id: last.id };
    onChunk(chunk.length);
  }
}
