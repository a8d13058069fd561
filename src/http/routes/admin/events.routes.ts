import type { AppContext } from '../../../context.js';
import {
  countEventsByStatusUpToCap,
  eventCursor,
  eventsCsv,
  listEvents,
  type EventSearch,
  type EventSort,
} from '../../../stripe/event-admin.queries.js';
import { findEvent, type EventStatus } from '../../../stripe/events.queries.js';
import { replayEvent } from '../../../stripe/replay-event.js';
import { eventRowView, prettyJson } from '../../presenters/admin/console.presenter.js';
import { formatDateTime } from '../../../lib/format.js';
import { actorOf } from '../../presenters/admin/staff.presenter.js';
import type { AdminRoutes } from './admin-router.js';
import { cappedCount, listPageView } from '../../presenters/admin/list-page.presenter.js';
import { streamCsv } from '../../write-chunks.js';
import { choiceParam, dayListParam, listParam, readListQuery, type ListSpec, type Query } from './list-query.js';
import { NotFoundError } from '../../../errors.js';

const PAGE = 50;
const STATUSES: EventStatus[] = ['pending', 'processed', 'ignored', 'retrying', 'failed'];
const DAY_MS = 86_400_000;
const EVENT_LIST: ListSpec<EventSort> = {
  path: '/admin/events',
  defaultSort: 'received',
  sorts: {
    received: { label: 'Received (UTC)', lower: 'Older', higher: 'Newer' },
    created: { label: 'Created in Stripe (UTC)', lower: 'Older', higher: 'Newer' },
  },
};

/** Stored Stripe webhook events: status, attempts, last error, the raw JSON, and re-processing one. */
export function eventsRoutes(routes: AdminRoutes, ctx: AppContext): void {
  routes.get('/admin/events', 'staff', (req, res) => {
    const { q, search } = readEventQuery(req.query);
    const page = listEvents(ctx.db, search, q.start, PAGE);
    const counts = countEventsByStatusUpToCap(ctx.db, STATUSES);
    res.render('pages/admin/events', {
      title: 'Webhook events',
      statuses: STATUSES,
      counts: STATUSES.map((s) => ({ status: s, count: cappedCount(counts[s]), url: `/admin/events?status=${s}` })),
      events: page.rows.map(eventRowView),
      list: listPageView(EVENT_LIST, q, page, (row) => eventCursor(search, row)),
    });
  });

  routes.get('/admin/events.csv', 'staff', async (req, res) => {
    await streamCsv(res, 'events.csv', eventsCsv(ctx.db, readEventQuery(req.query).search));
  });

  routes.get('/admin/events/:eventId', 'staff', (req, res) => {
    const event = findEvent(ctx.db, String(req.params.eventId));
    if (!event) throw new NotFoundError('not_found', 'There is no stored event with this id.');
    res.render('pages/admin/event', {
      title: `Event ${event.id}`,
      event: {
        ...event,
        receivedAt: formatDateTime(event.receivedAt),
        processedAt: event.processedAt === null ? null : formatDateTime(event.processedAt),
        created: formatDateTime(event.stripeCreated * 1000),
      },
      payload: prettyJson(event.payload),
    });
  });

  routes.post('/admin/events/:eventId/replay', 'staff', (req, res) => {
    const id = String(req.params.eventId);
    replayEvent(ctx.db, id, actorOf(req), ctx.clock.now());
    ctx.events.wake(); // processing picks it up from storage
    res.redirect(303, `/admin/events/${encodeURIComponent(id)}`);
  });
}

/** The event list's query string; a received-date range is read by received time, so it sorts by it. */
function readEventQuery(query: Query) {
  const notes: string[] = [];
  const status = choiceParam(query, 'status', STATUSES, notes);
  const type = listParam(query, 'type', notes);
  const from = dayListParam(query, 'from', notes);
  const to = dayListParam(query, 'to', notes);
  const q = readListQuery(query, EVENT_LIST, { status, type, from: from?.text, to: to?.text }, notes);
  if ((from || to) && q.sort !== 'received') {
    if (query.sort) notes.push('A received-date range lists events by received time, so they are sorted by it.');
    q.sort = 'received';
  }
  const search: EventSearch = {
    status,
    type: type || undefined,
    receivedFrom: from?.at,
    receivedBefore: to ? to.at + DAY_MS : undefined,
    sort: q.sort,
    direction: q.direction,
  };
  return { q, search };
}
