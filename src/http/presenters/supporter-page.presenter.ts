import type { OrderDisplayStatus, SupporterImpact } from '../../supporters/supporter-impact.js';
import { formatNumber, formatShortDay, formatYears, plural, WEEKS_PER_YEAR } from '../../lib/format.js';
import type { CensusView } from './home.presenter.js';
import type { CameraWeekCounts, FundedWeek, PlaceWeeks, SupporterCameraWeeks } from '../../camtrap/supporter-weeks.js';
import { formatDayRange } from '../../lib/format.js';

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
      // The same secret, under /api: a plain link, so the file downloads with JavaScript off.
      downloadData: `/api/supporters/${pagePath.slice('/impact/'.length)}/export`,
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
    isSubscribed: impact.isSubscribed,
    isBouncing: !impact.isDeliverable,
    latestCensus: census,
  };
}

/** What the page shows of a buyer's weeks on the park's cameras: counts, places and the latest weeks in full. */
export interface CamerasOnPage {
  counts: CameraWeekCounts;
  places: PlaceWeeks[];
  /** The latest weeks, latest first; the rest are on the page that lists them all. */
  latest: FundedWeek[];
}

/** Places named on the page before "and N more". */
const PLACES_SHOWN = 6;

/** The buyer's funded weeks on real cameras: what they saw, where, the latest in full, and what still waits. */
export function camerasView(cameras: CamerasOnPage, allWeeksUrl: string) {
  const { counts, places, latest } = cameras;
  const funded = counts.allocated + counts.waiting + counts.ahead;
  const more = places.length - PLACES_SHOWN;
  return {
    hasAny: funded > 0,
    summary:
      counts.allocated > 0
        ? `${formatNumber(counts.leopardVisits)} leopard ${plural(counts.leopardVisits, 'visit', 'visits')} on your cameras so far`
        : null,
    allocatedText: `${formatNumber(counts.allocated)} of your ${formatNumber(funded)} ${plural(funded, 'week is', 'weeks are')} on a camera the park has reported`,
    places: places.slice(0, PLACES_SHOWN).map((place) => ({
      name: place.name,
      text:
        `${formatNumber(place.weeks)} ${plural(place.weeks, 'week', 'weeks')}` +
        (place.leopardVisits > 0
          ? `, ${formatNumber(place.leopardVisits)} leopard ${plural(place.leopardVisits, 'visit', 'visits')}`
          : ''),
    })),
    morePlaces: more > 0 ? `and ${formatNumber(more)} more ${plural(more, 'place', 'places')}` : null,
    latestTitle: latest.length < counts.allocated ? `Your latest ${formatNumber(latest.length)} weeks` : null,
    weeks: latest.map(fundedWeekView),
    allWeeks:
      latest.length < counts.allocated
        ? { url: allWeeksUrl, text: `All ${formatNumber(counts.allocated)} of your weeks, with what each camera saw` }
        : null,
    ...notesOf(counts),
  };
}

function notesOf(counts: CameraWeekCounts) {
  return {
    waiting:
      counts.waiting > 0
        ? `${formatNumber(counts.waiting)} ${plural(counts.waiting, 'week is', 'weeks are')} waiting for camera data: the park collects its cameras twice a year, and your weeks get their camera when the data arrives.`
        : null,
    ahead:
      counts.ahead > 0
        ? `${formatNumber(counts.ahead)} ${plural(counts.ahead, 'week is', 'weeks are')} funded ahead: buyers have paid for more weeks than the park has reported so far, so yours take the first cameras of the next report.`
        : null,
    moved:
      counts.moved > 0
        ? `${formatNumber(counts.moved)} of your weeks moved: the park corrected its data and the camera-week they had no longer exists. They get another one.`
        : null,
  };
}

/** The page listing every one of a buyer's weeks on a camera, earliest first. */
export function supporterWeeksPage(pagePath: string, weeks: SupporterCameraWeeks) {
  return {
    title: 'All your weeks on the cameras',
    backUrl: pagePath,
    summary: `${formatNumber(weeks.allocated)} ${plural(weeks.allocated, 'week', 'weeks')} on the park's cameras, ${formatNumber(weeks.leopardVisits)} leopard ${plural(weeks.leopardVisits, 'visit', 'visits')}`,
    weeks: weeks.weeks.map(fundedWeekView),
    ...notesOf(weeks),
  };
}

function fundedWeekView(week: FundedWeek) {
  const others = week.otherSpecies.map((s) => `${s.name} (${formatNumber(s.visits)})`).join(', ');
  const dates = formatDayRange(week.start, week.end);
  return {
    start: week.start,
    dates,
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
    photo: week.photo && {
      url: week.photo.url,
      alt: `${week.photo.hasLeopard ? 'A leopard on the camera' : 'A photo from the camera'} at ${week.locationName}, ${dates}`,
    },
  };
}
