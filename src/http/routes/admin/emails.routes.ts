import type { Response } from 'express';
import type { AppContext } from '../../../context.js';
import { countOutboxByState } from '../../../email/outbox.queries.js';
import { findFieldNote, FIELD_NOTE_MAX_CHARS } from '../../../email/field-notes.queries.js';
import { findOutboxMessage, listMonthlyRuns, listOutbox, OUTBOX_STATES } from '../../../dashboard/emails.queries.js';
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
import { NotFoundError } from '../../../errors.js';

const PAGE = 50;

/** The email outbox as staff see it (per monthly run, per message) and the monthly field note with its preview. */
export function emailsRoutes(routes: AdminRoutes, ctx: AppContext): void {
  outboxRoutes(routes, ctx);
  fieldNoteRoutes(routes, ctx);
}

function outboxRoutes(routes: AdminRoutes, ctx: AppContext): void {
  routes.get('/admin/emails', 'staff', (req, res) => {
    const state = OUTBOX_STATES.find((s) => s === queryParam(req.query.state));
    const rows = listOutbox(ctx.db, { state, beforeId: idParam(req.query.before), limit: PAGE });
    const counts = countOutboxByState(ctx.db);
    const older = new URLSearchParams({ ...(state && { state }), before: String(rows.at(-1)?.id ?? '') });
    res.render('pages/admin/emails', {
      title: 'Emails',
      runs: listMonthlyRuns(ctx.db).map(runView),
      counts: OUTBOX_STATES.map((s) => ({ state: s, count: counts[s] ?? 0, url: `/admin/emails?state=${s}` })),
      messages: rows.map(outboxRowView),
      olderUrl: rows.length === PAGE ? `/admin/emails?${older}` : null,
    });
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
