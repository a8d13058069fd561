import { formatDateTime, formatNumber, plural } from '../../../lib/format.js';
import { formatMoney } from '../../../lib/money.js';
import type { SupporterOverview } from '../../../supporters/supporter-overview.js';

/** How the console names a buyer: their address, or, once erased, only their number. */
export function supporterLabel(s: { id: number; email: string; erasedAt: number | null }): string {
  return s.erasedAt === null ? s.email : `erased supporter #${s.id}`;
}

/** The console's page about one buyer: what we hold, their data as a file, and erasing them. */
export function supporterPageView(o: SupporterOverview, opts: { isErasedJustNow: boolean }) {
  const { supporter } = o;
  const isErased = supporter.erasedAt !== null;
  return {
    title: isErased ? `Erased supporter #${supporter.id}` : `Supporter #${supporter.id}`,
    supporter: {
      id: supporter.id,
      email: isErased ? null : supporter.email,
      name: supporter.name,
      createdAt: formatDateTime(supporter.createdAt),
      monthlyEmail: supporter.isSubscribed ? 'gets the monthly impact email' : 'does not get the monthly email',
      isDeliverable: supporter.isDeliverable,
    },
    isErased,
    notice: opts.isErasedJustNow ? `Erased. Supporter #${supporter.id} now holds no address, name or link.` : null,
    erasure: o.erasure && {
      at: formatDateTime(o.erasure.at),
      actor: o.erasure.actor,
      reason: o.erasure.reason,
    },
    totals: `${formatNumber(o.totals.pairs)} ${plural(o.totals.pairs, 'pair', 'pairs')}, ${formatNumber(
      o.totals.trapWeeks,
    )} ${plural(o.totals.trapWeeks, 'trap-week', 'trap-weeks')}`,
    orderCount: o.orderCount,
    ordersMore: o.orderCount > o.latestOrders.length ? o.orderCount - o.latestOrders.length : 0,
    ordersSearchUrl: `/admin/orders?${new URLSearchParams({ q: supporter.email })}`,
    orders: o.latestOrders.map((order) => ({
      url: `/admin/orders/${order.id}`,
      checkoutSessionId: order.checkoutSessionId,
      status: order.status,
      paidAt: order.paidAt === null ? '' : formatDateTime(order.paidAt),
      amount: formatMoney(order.amountTotalMinor, order.currency),
      pairs: order.pairs,
    })),
    emailCount: o.emailCount,
    emails: o.latestEmails.map((email) => ({
      url: `/admin/emails/${email.id}`,
      subject: email.subject,
      state: email.state,
      createdAt: formatDateTime(email.createdAt),
    })),
    exportUrl: `/admin/supporters/${supporter.id}/export`,
    eraseUrl: `/admin/supporters/${supporter.id}/erase`,
  };
}
