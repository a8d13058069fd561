import { formatMoney } from '../../../lib/money.js';
import { formatDateTime, formatNumber } from '../../../lib/format.js';
import type { MonthCheckJob } from '../../../stripe/month-check-jobs.js';
import { DIFFERENCE_TEXT } from '../../../stripe/month-check-report.js';

/** The page shows this many differences; the CSV has them all. */
const SHOWN = 200;

export function stripeCheckView(period: string, job: MonthCheckJob | undefined) {
  const base = { title: `${period} against Stripe`, period, monthUrl: `/admin/reconciliation/${period}` };
  if (!job) return { ...base, isNew: true };
  const isBusy = job.state === 'checking' || job.state === 'applying';
  const report = job.report;
  const money = (minor: number, currency: string) => formatMoney(minor, currency);
  return {
    ...base,
    state: job.state,
    isBusy,
    // The page looks again until the work is over (no script: the browser's own refresh).
    refreshSeconds: isBusy ? 2 : undefined,
    startedAt: formatDateTime(job.startedAt),
    startedBy: job.startedBy,
    progress: `${formatNumber(job.progress.sessions)} checkout sessions, ${formatNumber(job.progress.refunds)} refunds, ${formatNumber(job.progress.disputes)} disputes and ${formatNumber(job.progress.orders)} orders here read so far`,
    applyProgress: `${formatNumber(job.applyProgress.done)} of ${formatNumber(job.applyProgress.total)} fixed so far`,
    error: job.error,
    applied: job.applied,
    isAgreed: report !== null && report.differences.length === 0,
    canApply: job.state === 'checked' && (report?.differences.some((d) => d.isFixable) ?? false),
    csvUrl: report ? `/admin/reconciliation/${period}/stripe.csv` : null,
    counted: report?.counted,
    mode: report?.mode,
    currencies: report?.currencies.map(({ currency, stripe, ledger }) => ({
      currency,
      stripePaid: `${formatNumber(stripe.paidCount)} · ${money(stripe.paidMinor, currency)}`,
      ledgerPaid: `${formatNumber(ledger.paidCount)} · ${money(ledger.paidMinor, currency)}`,
      stripeRefunded: money(stripe.refundedMinor, currency),
      ledgerRefunded: money(ledger.refundedMinor, currency),
      stripeDisputed: money(stripe.disputedMinor, currency),
      ledgerDisputed: money(ledger.disputedMinor, currency),
      ledgerPairs: formatNumber(ledger.pairs ?? 0),
    })),
    differenceCount: report?.differences.length ?? 0,
    isCut: (report?.differences.length ?? 0) > SHOWN,
    differences: report?.differences.slice(0, SHOWN).map((d) => ({
      what: DIFFERENCE_TEXT[d.kind],
      currency: d.currency,
      object: d.object,
      id: d.id,
      stripe: d.stripe ? `${d.stripe.state} ${money(d.stripe.amountMinor, d.currency)}` : '—',
      ledger: d.ledger ? `${d.ledger.state} ${money(d.ledger.amountMinor, d.currency)}` : '—',
      isFixable: d.isFixable,
    })),
  };
}
