import { csvRow } from '../lib/csv.js';
import { formatMoney } from '../lib/money.js';
import type { Difference, DifferenceKind, MonthCheckReport } from './month-check.js';

/** What each difference means, in the words the page, the CSV and the command line use. */
export const DIFFERENCE_TEXT: Record<DifferenceKind, string> = {
  missing_here: 'paid in Stripe, missing here',
  not_in_stripe: 'paid here, Stripe does not know it',
  other_mode: 'Stripe knows it only in the other mode (live vs test)',
  amount_differs: 'amounts differ',
  refund_differs: 'refund missing here or different',
  dispute_differs: 'dispute outcome missing here or different',
  unmapped_lines: 'line items still unmapped',
};

export function isAgreed(report: MonthCheckReport): boolean {
  return report.differences.length === 0;
}

function side(s: Difference['stripe'], currency: string): string {
  return s ? `${s.state} ${formatMoney(s.amountMinor, currency)}` : '—';
}

/** The report for a terminal: totals side by side per currency, then each difference. */
export function describeMonthCheck(report: MonthCheckReport): string {
  const lines = [
    `${report.period} against Stripe (${report.mode} mode): ${report.counted.sessions} checkout sessions, ` +
      `${report.counted.refunds} refunds, ${report.counted.disputes} disputes`,
  ];
  for (const { currency, stripe, ledger } of report.currencies) {
    const money = (minor: number) => formatMoney(minor, currency);
    lines.push(
      `  ${currency}  paid: Stripe ${stripe.paidCount} for ${money(stripe.paidMinor)}, here ${ledger.paidCount} for ${money(ledger.paidMinor)}` +
        ` · refunded: ${money(stripe.refundedMinor)} / ${money(ledger.refundedMinor)}` +
        ` · disputed: ${money(stripe.disputedMinor)} / ${money(ledger.disputedMinor)} · pairs here: ${ledger.pairs ?? 0}`,
    );
  }
  if (isAgreed(report)) lines.push('Stripe and the ledger agree.');
  else {
    lines.push(`${report.differences.length} differences:`);
    for (const d of report.differences)
      lines.push(
        `  ${d.currency} ${d.object} ${d.id}: ${DIFFERENCE_TEXT[d.kind]} (Stripe: ${side(d.stripe, d.currency)}; here: ${side(d.ledger, d.currency)})` +
          (d.isFixable ? '' : ' [not fixable from Stripe: staff must look]'),
      );
  }
  return `${lines.join('\n')}\n`;
}

/** The comparison as CSV: a row per currency's totals, then one per difference. */
export function* monthCheckCsv(report: MonthCheckReport): Generator<string> {
  yield csvRow([
    'row',
    'currency',
    'kind',
    'object',
    'id',
    'stripe_state',
    'stripe_minor',
    'ledger_state',
    'ledger_minor',
    'fixable',
  ]);
  for (const { currency, stripe, ledger } of report.currencies) {
    yield csvRow([
      'total',
      currency,
      'paid',
      'checkout.session',
      '',
      String(stripe.paidCount),
      stripe.paidMinor,
      String(ledger.paidCount),
      ledger.paidMinor,
      '',
    ]);
    yield csvRow(['total', currency, 'refunded', 'refund', '', '', stripe.refundedMinor, '', ledger.refundedMinor, '']);
    yield csvRow([
      'total',
      currency,
      'disputed',
      'dispute',
      '',
      '',
      stripe.disputedMinor,
      '',
      ledger.disputedMinor,
      '',
    ]);
    yield csvRow(['total', currency, 'pairs', '', '', '', '', '', ledger.pairs ?? 0, '']);
  }
  for (const d of report.differences)
    yield csvRow([
      'difference',
      d.currency,
      d.kind,
      d.object,
      d.id,
      d.stripe?.state,
      d.stripe?.amountMinor,
      d.ledger?.state,
      d.ledger?.amountMinor,
      d.isFixable,
    ]);
}
