import type { EmailActivity, EmailMonth } from '../../../dashboard/email-activity.queries.js';
import { formatMonth, formatNumber, formatShortMonth, plural } from '../../../lib/format.js';
import { barFrame, type ChartSize } from '../bar-chart.js';

const SIZE: ChartSize = { width: 640, height: 180, pad: { top: 16, right: 16, bottom: 36, left: 64 } };
const TROUBLES = ['failed', 'bounced', 'unsubscribed'] as const;

/**
 * Emails per month: those sent as bars on one chart, and on a second, at their own scale (they are
 * far fewer), those given up, bounced and unsubscribed; every figure in the table beneath.
 * Undefined when the year saw no email and nobody unsubscribed.
 */
export function emailActivityView({ months, undatedUnsubscribes }: EmailActivity) {
  const isEmpty = months.every((m) => !m.sent && !m.failed && !m.bounced && !m.unsubscribed);
  if (isEmpty && undatedUnsubscribes === 0) return undefined;
  const labels = months.map((m) => formatShortMonth(m.period));
  const count = (value: number) => formatNumber(value);
  const sent = barFrame(SIZE, labels, { highest: Math.max(4, ...months.map((m) => m.sent)) }, count);
  const trouble = barFrame(
    SIZE,
    labels,
    { highest: Math.max(4, ...months.flatMap((m) => TROUBLES.map((kind) => m[kind]))) },
    count,
  );
  const sentBar = Math.min(18, sent.slot / 3);
  const bar = Math.min(12, trouble.slot / 4);
  const total = (field: keyof Omit<EmailMonth, 'period'>) => months.reduce((sum, m) => sum + m[field], 0);
  return {
    sentChart: {
      ...sent.svg,
      bars: months.map((m, i) => sent.bar(i, -sentBar / 2, sentBar, m.sent)),
    },
    troubleChart: {
      ...trouble.svg,
      bars: months.flatMap((m, i) =>
        TROUBLES.map((kind, k) => ({ kind, ...trouble.bar(i, (k - 1.5) * bar, bar, m[kind]) })),
      ),
    },
    summary:
      `Emails over the last ${months.length} months: ${formatNumber(total('sent'))} sent, ` +
      `${formatNumber(total('failed'))} failed, ${formatNumber(total('bounced'))} bounced; ` +
      `${formatNumber(total('unsubscribed'))} ${plural(total('unsubscribed'), 'supporter', 'supporters')} unsubscribed.`,
    undatedUnsubscribes:
      undatedUnsubscribes > 0
        ? `${formatNumber(undatedUnsubscribes)} ${plural(undatedUnsubscribes, 'supporter', 'supporters')} ` +
          `unsubscribed before unsubscribes were dated, and ${plural(undatedUnsubscribes, 'is', 'are')} in no month.`
        : null,
    rows: months.map((m) => ({
      month: formatMonth(m.period),
      sent: formatNumber(m.sent),
      failed: formatNumber(m.failed),
      bounced: formatNumber(m.bounced),
      unsubscribed: formatNumber(m.unsubscribed),
    })),
  };
}
