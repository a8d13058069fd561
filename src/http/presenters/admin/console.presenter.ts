import type { Attention, Figures } from '../../../dashboard/dashboard.queries.js';
import type { WebhookHealth } from '../../../dashboard/webhook-health.js';
import type { OutboxListRow } from '../../../dashboard/emails.queries.js';
import { formatMoney } from '../../../lib/money.js';
import type { OrderDetail } from '../../../orders/order-detail.queries.js';
import type { OrderListRow } from '../../../orders/order-search.queries.js';
import type { EventListRow } from '../../../stripe/event-admin.queries.js';
import { formatDateTime, plural } from '../../../lib/format.js';
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

export function attentionView(a: Attention) {
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
      text: `open ${a.openDisputes === 1 ? 'dispute' : 'disputes'}`,
      url: '/admin/orders?status=paid',
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
  ];
  return items.filter((item) => item.count > 0);
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

export function orderDetailView(d: OrderDetail, emails: OutboxListRow[]) {
  const { order } = d;
  const money = (minor: number) => formatMoney(minor, order.currency);
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
    pairs: d.entries.reduce((n, e) => n + e.pairs, 0),
    trapWeeks: d.entries.reduce((n, e) => n + e.trapWeeks, 0),
    lines: d.lines.map((l) => ({
      ...l,
      amount: money(l.amountTotalMinor),
      pairs: l.pairsPerUnit === null ? null : l.quantity * l.pairsPerUnit,
    })),
    entries: d.entries.map((e) => ({
      ...e,
      amount: formatMoney(e.donationMinor, e.currency),
      occurredAt: formatDateTime(e.occurredAt),
      recordedAt: formatDateTime(e.recordedAt),
    })),
    events: d.events.map((e) => ({
      ...e,
      url: `/admin/events/${encodeURIComponent(e.id)}`,
      created: formatDateTime(e.stripeCreated * 1000),
    })),
    charges: d.charges.map((c) => ({ ...c, amount: money(c.amountMinor), refunded: money(c.amountRefundedMinor) })),
    refunds: d.refunds.map((r) => ({ ...r, amount: money(r.amountMinor) })),
    disputes: d.disputes.map((r) => ({ ...r, amount: money(r.amountMinor) })),
    emails: emails.map((e) => ({ ...e, url: `/admin/emails/${e.id}`, createdAt: formatDateTime(e.createdAt) })),
  };
}

export function eventRowView(e: EventListRow) {
  return {
    ...e,
    url: `/admin/events/${encodeURIComponent(e.id)}`,
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
