import type Stripe from 'stripe';
import { transaction, type Db } from '../db/client.js';
import { recordAudit, type Actor } from '../staff/audit-log.js';
import { insertEventsIfNew } from './events.queries.js';
import { findPaymentChildren } from './month-check.queries.js';
import type { Difference, MonthCheckReport } from './month-check.js';
import { retrieveOrNull, type CallOptions } from './stripe-api.js';
import { parseStripeEvent } from './verify-event.js';

export interface ApplySummary {
  recovered: number;
  /** Fixable differences Stripe no longer agreed with when asked again (fixed meanwhile, say). */
  unchanged: number;
  /** Differences a fetch cannot fix (an amount, an unknown order, an unmapped product): left for staff. */
  leftForStaff: number;
}

export interface ApplyDeps {
  db: Db;
  stripe: Stripe;
  now: () => number;
  /** Stored events were added: processing should pass soon. */
  onStored(): void;
}

/**
 * Fixes what a month check found by fetching each object from Stripe again (the report alone is
 * never written) and storing it as an event, marked as recovered by the month check, so it goes
 * through exactly the processing a webhook's event does. Each one is audited in its own transaction,
 * naming who did it. Entries whose month has closed are booked late in the first open month.
 */
export async function applyMonthCheck(
  deps: ApplyDeps,
  report: MonthCheckReport,
  actor: Actor,
  opts: CallOptions & { onProgress?(done: number, total: number): void } = {},
): Promise<ApplySummary> {
  const fixable = report.differences.filter((d) => d.isFixable);
  const summary: ApplySummary = {
    recovered: 0,
    unchanged: 0,
    leftForStaff: report.differences.length - fixable.length,
  };
  let done = 0;
  for (const difference of fixable) {
    const event = await recoveryEvent(deps, difference, opts);
    if (!event) summary.unchanged++;
    else {
      const verified = { ...parseStripeEvent(JSON.stringify(event)), source: 'month_check' as const };
      transaction(deps.db, (tx) => {
        const now = deps.now();
        insertEventsIfNew(tx, [verified], now);
        recordAudit(
          tx,
          actor,
          now,
          'stripe.recover',
          `${difference.object}:${difference.id}`,
          { period: report.period, kind: difference.kind, ledger: difference.ledger },
          { eventId: verified.id, stripe: difference.stripe },
        );
      });
      summary.recovered++;
      deps.onStored();
    }
    opts.onProgress?.(++done, fixable.length);
  }
  return summary;
}

/** The object as Stripe has it now, wrapped as the event a webhook would have brought; null when nothing is to fix. */
async function recoveryEvent(deps: ApplyDeps, difference: Difference, opts: CallOptions) {
  const nowSeconds = Math.floor(deps.now() / 1000);
  const wrap = (type: string, object: { id: string }, created: number) => ({
    id: `evt_month_check_${object.id}_${deps.now()}`,
    object: 'event',
    api_version: null,
    created,
    data: { object },
    livemode: (object as { livemode?: boolean }).livemode === true,
    type,
  });
  if (difference.object === 'checkout.session') {
    const session = await retrieveOrNull(
      'checkout sessions',
      () => deps.stripe.checkout.sessions.retrieve(difference.id),
      opts,
    );
    // Booked when the buyer paid: in a closed month, that is a late entry in the first open one.
    return session?.payment_status === 'paid' ? wrap('checkout.session.completed', session, session.created) : null;
  }
  if (difference.object === 'refund') {
    const refund = await retrieveOrNull('refunds', () => deps.stripe.refunds.retrieve(difference.id), opts);
    const mine = refund && findPaymentChildren(deps.db, 'refunds', [refund.id]).get(refund.id);
    if (!refund || (mine && mine.status === refund.status && mine.amountMinor === refund.amount)) return null;
    // Newer than the state kept, or processing would keep the older one.
    return wrap(
      'refund.updated',
      refund,
      Math.min(nowSeconds, Math.max(refund.created, (mine?.stripeCreated ?? 0) + 1)),
    );
  }
  const dispute = await retrieveOrNull('disputes', () => deps.stripe.disputes.retrieve(difference.id), opts);
  const mine = dispute && findPaymentChildren(deps.db, 'disputes', [dispute.id]).get(dispute.id);
  if (!dispute || (mine && mine.status === dispute.status && mine.amountMinor === dispute.amount)) return null;
  const type =
    dispute.status === 'won' || dispute.status === 'lost' ? 'charge.dispute.closed' : 'charge.dispute.updated';
  return wrap(type, dispute, Math.min(nowSeconds, Math.max(dispute.created, (mine?.stripeCreated ?? 0) + 1)));
}
