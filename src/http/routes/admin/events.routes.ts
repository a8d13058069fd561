import type { AppContext } from '../../../context.js';
import { listEvents } from '../../../stripe/event-admin.queries.js';
import { countEventsByStatus, findEvent, type EventStatus } from '../../../stripe/events.queries.js';
import { replayEvent } from '../../../stripe/replay-event.js';
import { eventRowView, prettyJson } from '../../presenters/admin/console.presenter.js';
import { formatDateTime } from '../../../lib/format.js';
import { actorOf } from '../../presenters/admin/staff.presenter.js';
import { idParam, queryParam, type AdminRoutes } from './admin-router.js';
import { NotFoundError } from '../../../errors.js';

const PAGE = 50;
const STATUSES: EventStatus[] = ['pending', 'processed', 'ignored', 'retrying', 'failed'];

/** Stored Stripe webhook events: status, attempts, last error, the raw JSON, and re-processing one. */
export function eventsRoutes(routes: AdminRoutes, ctx: AppContext): void {
  routes.get('/admin/events', 'staff', (req, res) => {
    const status = STATUSES.find((s) => s === queryParam(req.query.status));
    const type = queryParam(req.query.type) || undefined;
    const rows = listEvents(ctx.db, { status, type, beforeRowid: idParam(req.query.before), limit: PAGE });
    const params = new URLSearchParams({ ...(status && { status }), ...(type && { type }) });
    if (rows.length === PAGE) params.set('before', String(rows.at(-1)!.rowid));
    const counts = countEventsByStatus(ctx.db);
    res.render('pages/admin/events', {
      title: 'Webhook events',
      filter: { status: status ?? '', type: type ?? '' },
      counts: STATUSES.map((s) => ({ status: s, count: counts[s] ?? 0, url: `/admin/events?status=${s}` })),
      events: rows.map(eventRowView),
      olderUrl: rows.length === PAGE ? `/admin/events?${params}` : null,
    });
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
