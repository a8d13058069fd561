import type { Attention, Figures } from '../../../dashboard/dashboard.queries.js';
import type { WebhookHealth } from '../../../dashboard/webhook-health.js';
import type { OutboxListRow } from '../../../dashboard/emails.queries.js';
import { formatMoney } from '../../../lib/money.js';
import type { OrderDetail } from '../../../orders/order-detail.queries.js';
import type { OrderListRow } from '../../../orders/order-search.queries.js';
import type { EventListRow } from '../../../stripe/event-admin.queries.js';
import { formatDateTime, formatMonth, plural } from '../../../lib/format.js';
import { supporterLabel } from './supporter.presenter.js';

/** View models for the console's read pages: formatted here, so templates only place them. */

export function figuresView(f: Figures) {
  return {
    currency: f.currency,
    orders: f.orders,
    pairs: f.pairs,
    trapWeeks: f.trapWeeks,
    owed: formatMoney(f.owedMinor, f.currency),
    paid: formatMoney(f.paidMinor, f.currency),
    outstanding: formatMoney(f.outstandingMinor, f.currency),
  };
}

/** Each thing that needs a person, linked to where it is put right; only those there are. */
export function attentionView(a: Attention) {
  const dispute = a.oldestOpenDispute;
  const [nextToClose] = a.monthsToClose;
  const { stuckOutbox: stuck } = a;
  const items = [
    {
      count: a.unmappedLines,
      text:
        `unmapped line ${plural(a.unmappedLines, 'item', 'items')}` +
        ` in ${a.unmappedOrders} ${plural(a.unmappedOrders, 'order', 'orders')}`,
      url: '/admin/products',
    },
    {
      count: a.failedEvents,
      text: `webhook ${a.failedEvents === 1 ? 'event' : 'events'} failed to process`,
      url: '/admin/events?status=failed',
    },
    {
      count: a.retryingEvents,
      text: `webhook ${a.retryingEvents === 1 ? 'event' : 'events'} waiting to retry`,
      url: '/admin/events?status=retrying',
    },
    {
      count: a.openDisputes,
      // The orders list cannot filter by dispute: the link opens the order of the oldest open one.
      text: a.openDisputes === 1 ? 'open dispute' : 'open disputes: this opens the oldest',
      url: !dispute
        ? '/admin/orders'
        : dispute.orderId !== null
          ? `/admin/orders/${dispute.orderId}`
          : `/admin/orders?q=${encodeURIComponent(dispute.id)}`,
    },
    {
      count: a.ordersMissingRate,
      text: `${a.ordersMissingRate === 1 ? 'order' : 'orders'} in a currency with no donation rate`,
      url: '/admin/rules',
    },
    {
      count: a.deadEmails,
      text: `${a.deadEmails === 1 ? 'email' : 'emails'} could not be sent (given up)`,
      url: '/admin/emails?state=dead',
    },
    {
      count: a.retryingEmails,
      text: `${a.retryingEmails === 1 ? 'email' : 'emails'} failed and will be retried`,
      url: '/admin/emails?state=failed',
    },
    {
      count: a.monthsToClose.length,
      text:
        `${plural(a.monthsToClose.length, 'month has', 'months have')} ended and ` +
        `${plural(a.monthsToClose.length, 'is', 'are')} not closed: close ${nextToClose ? formatMonth(nextToClose) : ''}` +
        (a.monthsToClose.length > 1 ? ' first' : ''),
      url: `/admin/reconciliation/${nextToClose}`,
    },
    {
      count: stuck.dueForMs === null ? 0 : stuck.waitingEmails,
      text:
        `${plural(stuck.waitingEmails, 'email waits', 'emails wait')} to be sent and the outbox is stuck: ` +
        `the oldest has been due for ${duration(stuck.dueForMs ?? 0)}; check the mail relay`,
      url: `/admin/emails?state=${stuck.dueState ?? 'queued'}`,
    },
    {
      count: stuck.sendingForMs === null ? 0 : stuck.sendingEmails,
      text: `${plural(stuck.sendingEmails, 'email has', 'emails have')} been sending for ${duration(stuck.sendingForMs ?? 0)}`,
      url: '/admin/emails?state=sending',
    },
  ];
  return items.filter((item) => item.count > 0);
}

/** "45 minutes", "3 hours", "2 days": how long, as a person says it. */
function duration(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  if (minutes < 120) return `${minutes} ${plural(minutes, 'minute', 'minutes')}`;
  const hours = Math.round(minutes / 60);
  return hours < 48 ? `${hours} hours` : `${Math.round(hours / 24)} days`;
}

export function orderRowView(o: OrderListRow) {
  return {
    url: `/admin/orders/${o.id}`,
    id: o.id,
    checkoutSessionId: o.checkoutSessionId,
    status: o.status,
    createdAt: formatDateTime(o.createdAt),
    paidAt: o.paidAt === null ? '' : formatDateTime(o.paidAt),
    amount: formatMoney(o.amountTotalMinor, o.currency),
    email: o.email,
    pairs: o.pairs,
    hasUnmappedLines: o.hasUnmappedLines,
  };
}

/** One order on one screen: the summary staff read first, then every record behind it. */
export function orderDetailView(d: OrderDetail, emails: OutboxListRow[]) {
  const { order } = d;
  const money = (minor: number) => formatMoney(minor, order.currency);
  const last = d.entries.at(-1);
  return {
    title: `Order ${order.id}`,
    order: {
      ...order,
      amount: money(order.amountTotalMinor),
      paidAt: order.paidAt === null ? null : formatDateTime(order.paidAt),
      createdAt: formatDateTime(order.createdAt),
    },
    supporter: d.supporter && {
      url: `/admin/supporters/${d.supporter.id}`,
      label: supporterLabel(d.supporter),
      name: d.supporter.name,
    },
    pairs: last?.runningPairs ?? 0,
    trapWeeks: last?.runningTrapWeeks ?? 0,
    owed: last ? formatMoney(last.runningDonationMinor, last.currency) : money(0),
    lines: d.lines.map((l) => ({
      ...l,
      amount: money(l.amountTotalMinor),
      pairs: l.pairsPerUnit === null ? null : l.quantity * l.pairsPerUnit,
    })),
    hasUnmappedLines: d.lines.some((l) => l.pairsPerUnit === null),
    entries: d.entries.map((e) => ({
      ...e,
      kind: e.kind.replace('_', ' '),
      amount: formatMoney(e.donationMinor, e.currency),
      owed: formatMoney(e.runningDonationMinor, e.currency),
      occurredAt: formatDateTime(e.occurredAt),
      recordedAt: formatDateTime(e.recordedAt),
    })),
    events: d.events.map((e) => ({ ...e, url: eventUrl(e.id), created: formatDateTime(e.stripeCreated * 1000) })),
    charges: d.charges.map((c) => ({ ...c, amount: money(c.amountMinor), refunded: money(c.amountRefundedMinor) })),
    refunds: d.refunds.map((r) => ({ ...r, amount: money(r.amountMinor) })),
    disputes: d.disputes.map((r) => ({ ...r, amount: money(r.amountMinor) })),
    emails: emails.map((e) => ({ ...e, url: `/admin/emails/${e.id}`, createdAt: formatDateTime(e.createdAt) })),
  };
}

const eventUrl = (id: string) => `/admin/events/${encodeURIComponent(id)}`;

export function eventRowView(e: EventListRow) {
  return {
    ...e,
    url: eventUrl(e.id),
    created: formatDateTime(e.stripeCreated * 1000),
    receivedAt: formatDateTime(e.receivedAt),
    nextAttemptAt: e.status === 'retrying' ? formatDateTime(e.nextAttemptAt) : null,
  };
}

/** Stored payloads are shown indented; Handlebars escapes them, so nothing in them can run. */
export function prettyJson(payload: string): string {
  try {
    return JSON.stringify(JSON.parse(payload), null, 2);
  } catch {
    return payload;
  }
}

export function webhookHealthView(h: WebhookHealth) {
  const when = (ms: number | null) => (ms === null ? 'never' : `${formatDateTime(ms)} UTC`);
  return {
    lastWebhook: when(h.lastWebhookAt),
    lastCatchUp: when(h.lastCatchUpAt),
    lastCatchUpRun: when(h.lastCatchUpRunAt),
    catchUpError: h.lastCatchUpError,
    isCatchUpOn: h.isCatchUpOn,
    caughtUp: h.caughtUp,
    recoveredByMonthCheck: h.recoveredByMonthCheck,
    isWebhookQuiet: h.isWebhookQuiet,
    quietHours: h.quietHours,
    recentCaughtUp: h.recentCaughtUp.map((e) => ({
      id: e.id,
      type: e.type,
      url: `/admin/events/${encodeURIComponent(e.id)}`,
      created: formatDateTime(e.stripeCreated * 1000),
      fetched: formatDateTime(e.receivedAt),
    })),
  };
}
