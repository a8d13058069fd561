import type { Response } from 'express';
import type { AppContext } from '../../../context.js';
import { findFieldNote, FIELD_NOTE_MAX_CHARS } from '../../../email/field-notes.queries.js';
import {
  countOutboxByStateUpToCap,
  findOutboxMessage,
  listMonthlyRuns,
  listOutbox,
  outboxCsv,
  outboxCursor,
  OUTBOX_KINDS,
  OUTBOX_STATES,
  type OutboxSearch,
  type OutboxSort,
} from '../../../dashboard/emails.queries.js';
import { saveFieldNote } from '../../../field-notes/save-field-note.js';
import { isPeriod, periodOf, previousPeriod } from '../../../lib/months.js';
import {
  messageView,
  monthlyPreview,
  outboxRowView,
  runView,
  sendEmailHtml,
} from '../../presenters/admin/emails.presenter.js';
import { actorOf } from '../../presenters/admin/staff.presenter.js';
import {
  type AdminRoutes,
  formValues,
  idParam,
  keepFormOnRefusal,
  monthParam,
  queryParam,
  type RefusedForm,
} from './admin-router.js';
import { cappedCount, listPageView } from '../../presenters/admin/list-page.presenter.js';
import { streamCsv } from '../../write-chunks.js';
import { choiceParam, listParam, readListQuery, type ListSpec, type Query } from './list-query.js';
import { NotFoundError } from '../../../errors.js';

const PAGE = 50;
const OUTBOX_LIST: ListSpec<OutboxSort> = {
  path: '/admin/emails',
  defaultSort: 'queued',
  sorts: {
    queued: { label: 'Queued (UTC)', lower: 'Older', higher: 'Newer' },
    sent: { label: 'Sent (UTC)', lower: 'Older', higher: 'Newer', isNarrowing: true },
    due: { label: 'Next try (UTC)', lower: 'Sooner', higher: 'Later', isNarrowing: true },
  },
};

/** The email outbox as staff see it (per monthly run, per message) and the monthly field note with its preview. */
export function emailsRoutes(routes: AdminRoutes, ctx: AppContext): void {
  outboxRoutes(routes, ctx);
  fieldNoteRoutes(routes, ctx);
}

function outboxRoutes(routes: AdminRoutes, ctx: AppContext): void {
  routes.get('/admin/emails', 'staff', (req, res) => {
    const { q, search } = readOutboxQuery(req.query);
    const page = listOutbox(ctx.db, search, q.start, PAGE);
    const counts = countOutboxByStateUpToCap(ctx.db);
    res.render('pages/admin/emails', {
      title: 'Emails',
      runs: listMonthlyRuns(ctx.db).map(runView),
      counts: OUTBOX_STATES.map((s) => ({ state: s, count: cappedCount(counts[s]), url: `/admin/emails?state=${s}` })),
      states: OUTBOX_STATES,
      kinds: OUTBOX_KINDS,
      messages: page.rows.map(outboxRowView),
      list: listPageView(OUTBOX_LIST, q, page, (row) => outboxCursor(search, row)),
    });
  });

  routes.get('/admin/emails.csv', 'staff', async (req, res) => {
    await streamCsv(res, 'emails.csv', outboxCsv(ctx.db, readOutboxQuery(req.query).search));
  });

  const messageOf = (id: unknown) => {
    const message = findOutboxMessage(ctx.db, idParam(id) ?? 0);
    if (!message) throw new NotFoundError('not_found', 'There is no such email.');
    return message;
  };

  routes.get('/admin/emails/:id', 'staff', (req, res) => {
    const message = messageOf(req.params.id);
    res.render('pages/admin/email', { title: message.subject, message: messageView(message) });
  });

  routes.get('/admin/emails/:id/html', 'staff', (req, res) => {
    const message = messageOf(req.params.id);
    if (message.bodyPrunedAt !== null)
      throw new NotFoundError(
        'not_found',
        'The text of this email was emptied some time after it was sent, when the emails kept for ' +
          'EMAIL_RETENTION_DAYS had gone.',
      );
    sendEmailHtml(res, message.htmlBody);
  });
}

function fieldNoteRoutes(routes: AdminRoutes, ctx: AppContext): void {
  routes.get('/admin/field-notes', 'staff', (req, res) => {
    const asked = queryParam(req.query.period);
    if (isPeriod(asked)) return res.redirect(303, `/admin/field-notes/${asked}`);
    // The month the next email reports on.
    res.redirect(303, `/admin/field-notes/${previousPeriod(periodOf(ctx.clock.now()))}`);
  });

  const renderFieldNote = (res: Response, period: string, form: RefusedForm | null) => {
    res.render('pages/admin/field-note', {
      title: `Field note for ${period}`,
      period,
      form: form ?? { values: { body: findFieldNote(ctx.db, period) ?? '' }, error: null },
      maxChars: FIELD_NOTE_MAX_CHARS,
      preview: monthlyPreview(ctx, period),
    });
  };
  routes.get('/admin/field-notes/:period', 'staff', (req, res) =>
    renderFieldNote(res, monthParam(req.params.period), null),
  );

  routes.post('/admin/field-notes/:period', 'staff', (req, res) => {
    const period = monthParam(req.params.period);
    const values = formValues(req.body, ['body']);
    keepFormOnRefusal(
      res,
      values,
      () => {
        saveFieldNote(ctx.db, period, values.body!, actorOf(req), ctx.clock.now());
        res.redirect(303, `/admin/field-notes/${period}`);
      },
      (form) => renderFieldNote(res, period, form),
    );
  });

  routes.get('/admin/field-notes/:period/preview.html', 'staff', (req, res) => {
    sendEmailHtml(res, monthlyPreview(ctx, monthParam(req.params.period)).htmlBody);
  });
}

/** The outbox list's query string; a state that the sort cannot show (sent and due, or unsent and sent) sorts by queueing. */
function readOutboxQuery(query: Query) {
  const notes: string[] = [];
  const state = choiceParam(query, 'state', OUTBOX_STATES, notes);
  const kind = choiceParam(query, 'kind', OUTBOX_KINDS, notes);
  const recipient = listParam(query, 'to', notes);
  const q = readListQuery(query, OUTBOX_LIST, { state, kind, to: recipient }, notes);
  if (state && ((q.sort === 'sent' && state !== 'sent') || (q.sort === 'due' && state === 'sent'))) {
    const missing = q.sort === 'sent' ? 'sent time' : 'next try';
    notes.push(`${state} emails have no ${missing}, so they are sorted by when they were queued.`);
    q.sort = 'queued';
  }
  const search: OutboxSearch = { state, kind, recipient: recipient || undefined, sort: q.sort, direction: q.direction };
  return { q, search };
}
