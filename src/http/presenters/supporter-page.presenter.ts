import type { OrderDisplayStatus, SupporterImpact } from '../../supporters/supporter-impact.js';
import { formatNumber, formatShortDay, formatYears, plural, WEEKS_PER_YEAR } from '../../lib/format.js';
import type { CensusView } from './home.presenter.js';
import type { FundedWeek, SupporterCameraWeeks } from '../../camtrap/supporter-weeks.js';
import { formatDay } from '../../lib/format.js';

/** What each status means for the shopper, in plain words: a refund is never dressed up as impact. */
const STATUS_TEXT: Record<OrderDisplayStatus, { label: string; note: string; tone: 'good' | 'neutral' | 'lost' }> = {
  paid: { label: 'Paid', note: 'Every pair counts.', tone: 'good' },
  partially_refunded: { label: 'Partly refunded', note: 'The refunded pairs no longer count.', tone: 'neutral' },
  refunded: { label: 'Refunded', note: 'This order no longer counts.', tone: 'lost' },
  disputed: { label: 'Payment disputed', note: 'Still counted while the bank decides.', tone: 'neutral' },
  dispute_lost: {
    label: 'Payment reversed',
    note: 'The bank took the payment back, so the reversed pairs no longer count.',
    tone: 'lost',
  },
  awaiting_payment: { label: 'Awaiting payment', note: 'Counts once the payment arrives.', tone: 'neutral' },
  payment_failed: { label: 'Payment failed', note: 'Nothing was charged, so it does not count.', tone: 'lost' },
  unmatched: { label: 'Paid', note: 'Items we have not yet matched to our socks count once we have.', tone: 'neutral' },
};

/** A dispute on an order whose pairs a refund already took back has nothing left to count. */
const DISPUTED_NOTHING_LEFT = 'The bank is looking into this payment.';

export type Notice = 'email-on' | 'email-off' | 'new-link';

const NOTICES: Record<Notice, string> = {
  'email-on': 'Done: we will send you the monthly impact email.',
  'email-off': 'Done: no more monthly emails. Your page stays here whenever you want it.',
  'new-link': 'Done: this is your new link. The old one no longer works, so bookmark this one.',
};

export function parseNotice(raw: unknown): Notice | undefined {
  return typeof raw === 'string' && raw in NOTICES ? (raw as Notice) : undefined;
}

/** A shopper's own page: their figures, their orders with honest statuses, their email setting. */
/** `census` comes formatted (censusView) so a page that changes rarely is formatted once, not per request. */
export function supporterPage(
  pagePath: string,
  impact: SupporterImpact,
  cameraWeeks: SupporterCameraWeeks,
  census: CensusView | undefined,
  notice?: Notice,
) {
  return {
    title: 'Your camera-trap-weeks',
    name: impact.name,
    maskedEmail: impact.email,
    notice: notice ? NOTICES[notice] : undefined,
    actions: {
      email: `${pagePath}/monthly-email`,
      newLink: `${pagePath}/new-link`,
    },
    figures: {
      pairs: formatNumber(impact.pairs),
      pairsUnit: plural(impact.pairs, 'pair of socks', 'pairs of socks'),
      trapWeeks: formatNumber(impact.trapWeeks),
      trapWeeksUnit: plural(impact.trapWeeks, 'camera-trap-week', 'camera-trap-weeks'),
      nights: formatNumber(impact.trapWeeks * 7),
      nightsUnit: plural(impact.trapWeeks * 7, 'camera night', 'camera nights'),
      /** Only once it amounts to something: "0.1 years" reads like a rounding error. */
      years: impact.trapWeeks >= WEEKS_PER_YEAR ? formatYears(impact.trapWeeks) : undefined,
    },
    hasImpact: impact.trapWeeks > 0,
    orders: impact.orders.map((order) => ({
      day: order.paidAt ? formatShortDay(order.paidAt) : undefined,
      date: order.paidAt?.slice(0, 10),
      // "1 of 3" once refunds or a lost dispute have taken pairs back, so the order still shows what was bought.
      pairs:
        order.pairs < order.boughtPairs
          ? `${formatNumber(order.pairs)} of ${formatNumber(order.boughtPairs)}`
          : formatNumber(order.pairs),
      trapWeeks: formatNumber(order.trapWeeks),
      status: order.status,
      ...STATUS_TEXT[order.status],
      ...(order.status === 'disputed' && order.pairs === 0 && { note: DISPUTED_NOTHING_LEFT }),
    })),
    cameras: camerasView(cameraWeeks),
    isSubscribed: impact.isSubscribed,
    isBouncing: !impact.isDeliverable,
    latestCensus: census,
  };
}

/** The buyer's funded weeks on real cameras: each with its place, dates and what it saw, and what still waits. */
function camerasView(weeks: SupporterCameraWeeks) {
  const funded = weeks.allocated + weeks.waiting + weeks.ahead;
  return {
    hasAny: funded > 0,
    summary:
      weeks.allocated > 0
        ? `${formatNumber(weeks.leopardVisits)} leopard ${plural(weeks.leopardVisits, 'visit', 'visits')} on your cameras so far`
        : null,
    allocatedText: `${formatNumber(weeks.allocated)} of your ${formatNumber(funded)} ${plural(funded, 'week is', 'weeks are')} on a camera the park has reported`,
    waiting:
      weeks.waiting > 0
        ? `${formatNumber(weeks.waiting)} ${plural(weeks.waiting, 'week is', 'weeks are')} waiting for camera data: the park collects its cameras twice a year, and your weeks get their camera when the data arrives.`
        : null,
    ahead:
      weeks.ahead > 0
        ? `${formatNumber(weeks.ahead)} ${plural(weeks.ahead, 'week is', 'weeks are')} funded ahead: buyers have paid for more weeks than the park has reported so far, so yours take the first cameras of the next report.`
        : null,
    moved:
      weeks.moved > 0
        ? `${formatNumber(weeks.moved)} of your weeks moved: the park corrected its data and the camera-week they had no longer exists. They get another one.`
        : null,
    weeks: weeks.weeks.map(fundedWeekView),
  };
}

function fundedWeekView(week: FundedWeek) {
  const others = week.otherSpecies.map((s) => `${s.name} (${formatNumber(s.visits)})`).join(', ');
  return {
    start: week.start,
    dates: `${formatDay(week.start)} to ${formatDay(week.end)}`,
    place: week.locationName,
    leopards:
      week.leopardVisits === 0
        ? 'No leopard this week: the camera watched all the same.'
        : `${formatNumber(week.leopardVisits)} leopard ${plural(week.leopardVisits, 'visit', 'visits')}` +
          (week.cubVisits > 0 ? `, ${formatNumber(week.cubVisits)} with a cub` : '') +
          (week.leopardIndividuals > 0
            ? `, ${formatNumber(week.leopardIndividuals)} ${plural(week.leopardIndividuals, 'leopard', 'leopards')} known by name`
            : ''),
    hasLeopard: week.leopardVisits > 0,
    others: others === '' ? null : `Also seen: ${others}.`,
    wasMoved: week.wasMoved,
  };
}
