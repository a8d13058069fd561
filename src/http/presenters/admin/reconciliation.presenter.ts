import { formatMoney } from '../../../lib/money.js';
import { nextPeriod, previousPeriod } from '../../../lib/months.js';
import type { Balance } from '../../../reconciliation/balances.js';
import type { DonationPaymentRow } from '../../../reconciliation/donation-payments.js';
import type { LedgerLine } from '../../../reconciliation/ledger-lines.js';
import type { MonthRow, MonthSummary } from '../../../reconciliation/months.queries.js';
import { formatDateTime } from '../../../lib/format.js';

export function balanceView(b: Balance) {
  return {
    currency: b.currency,
    opening: formatMoney(b.openingMinor, b.currency),
    accrued: formatMoney(b.accruedMinor, b.currency),
    reversed: formatMoney(b.reversedMinor, b.currency),
    paid: formatMoney(b.paidMinor, b.currency),
    closing: formatMoney(b.closingMinor, b.currency),
    closingMinor: b.closingMinor,
  };
}

export function monthRowView(row: MonthRow) {
  return { ...row, url: `/admin/reconciliation/${row.period}`, balances: row.balances.map(balanceView) };
}

export function monthView(
  summary: MonthSummary,
  lines: LedgerLine[],
  pageSize: number,
  filter: { currency: string; category: string },
) {
  const { period } = summary;
  const query = (extra: Record<string, string | number>) => {
    const params = new URLSearchParams({
      ...(filter.currency && { currency: filter.currency }),
      ...(filter.category && { category: filter.category }),
    });
    for (const [key, value] of Object.entries(extra)) params.set(key, String(value));
    const text = params.toString();
    return `/admin/reconciliation/${period}${text ? `?${text}` : ''}`;
  };
  return {
    title: `Reconciliation: ${period}`,
    period,
    isClosed: summary.isClosed,
    closedAt: summary.closedAt === null ? null : formatDateTime(summary.closedAt),
    closedBy: summary.closedBy,
    balances: summary.balances.map(balanceView),
    late: summary.late.map((l) => ({
      currency: l.currency,
      entries: l.entries,
      amount: formatMoney(l.donationMinor, l.currency),
    })),
    entries: summary.entries,
    canClose: summary.closing.canClose,
    closeReason: summary.closing.reason,
    summaryCsvUrl: `/admin/reconciliation/${period}.csv`,
    ledgerCsvUrl: `/admin/reconciliation/${period}/ledger.csv`,
    previousUrl: `/admin/reconciliation/${previousPeriod(period)}`,
    nextUrl: `/admin/reconciliation/${nextPeriod(period)}`,
    filter,
    currencies: summary.balances.map((b) => b.currency),
    lines: lines.map(lineView),
    morePagesUrl: lines.length === pageSize ? query({ after: lines.at(-1)!.id }) : null,
  };
}

function lineView(l: LedgerLine) {
  return {
    id: l.id,
    occurredOn: formatDateTime(l.occurredAt).slice(0, 10),
    recordedAt: formatDateTime(l.recordedAt),
    kind: l.kind,
    category: l.category,
    amount: formatMoney(l.donationMinor, l.currency),
    pairs: l.pairs,
    orderUrl: l.orderId === null ? null : `/admin/orders/${l.orderId}`,
    checkoutSessionId: l.checkoutSessionId,
    reason: l.reason,
    isLate: l.isLate,
    occurredMonth: formatDateTime(l.occurredAt).slice(0, 7),
  };
}

export function paymentView(p: DonationPaymentRow) {
  return {
    id: p.id,
    paidOn: p.paidOn,
    amount: formatMoney(p.amountMinor, p.currency),
    reference: p.reference,
    note: p.note,
    period: p.period,
    isLate: p.isLate,
    recordedBy: p.recordedBy ?? 'command line',
    isVoid: p.voidedAt !== null,
    voidReason: p.voidReason,
  };
}
