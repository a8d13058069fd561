import type { Request, Response } from 'express';
import type { AppContext } from '../../../context.js';
import { makeAddressDeliverable } from '../../../email/feedback/make-deliverable.js';
import { eraseSupporter } from '../../../supporters/erase-supporter.js';
import { exportSupporterData } from '../../../supporters/export-supporter-data.js';
import { findSupporterOverview } from '../../../supporters/supporter-overview.js';
import { findSupporterById } from '../../../supporters/supporters.queries.js';
import { recordAudit } from '../../../staff/audit-log.js';
import { sendDataExport } from '../../data-export.js';
import { supporterPageView } from '../../presenters/admin/supporter.presenter.js';
import { supporterFeedbackView } from '../../presenters/admin/deliverability.presenter.js';
import { listNotificationsFor } from '../../../email/feedback/email-notifications.queries.js';
import { actorOf } from '../../presenters/admin/staff.presenter.js';
import {
  type AdminRoutes,
  field,
  formValues,
  keepFormOnRefusal,
  recordId,
  refusedIn,
  type RefusedForm,
  typedOr,
} from './admin-router.js';
import { NotFoundError } from '../../../errors.js';

const MISSING = 'There is no such buyer.';

/**
 * A buyer's page: what we hold about them, their data as a file (staff), making their bounced address
 * deliverable again (staff), and erasing them on request (admins only: it cannot be undone).
 */
export function supportersRoutes(routes: AdminRoutes, ctx: AppContext): void {
  /** The buyer's page; `form` is its make-deliverable form, refused. */
  const renderSupporter = (req: Request, res: Response, form: RefusedForm | null) => {
    const overview = findSupporterOverview(ctx.db, recordId(req.params.id, MISSING));
    if (!overview) throw new NotFoundError('not_found', MISSING);
    res.render('pages/admin/supporter', {
      ...supporterPageView(overview, { isErasedJustNow: req.query.done === 'erased' }),
      ...supporterFeedbackView(overview.supporter, listNotificationsFor(ctx.db, overview.supporter.email), {
        isReenabledJustNow: req.query.done === 'deliverable',
      }),
      form: form ?? { values: {}, error: null },
      reenabling: typedOr(form, {}, 'deliverable'),
    });
  };
  routes.get('/admin/supporters/:id', 'staff', (req, res) => renderSupporter(req, res, null));

  routes.get('/admin/supporters/:id/export', 'staff', (req, res) => {
    const supporter = findSupporterById(ctx.db, recordId(req.params.id, MISSING));
    if (!supporter) throw new NotFoundError('not_found', MISSING);
    const now = ctx.clock.now();
    const data = exportSupporterData(ctx.db, supporter, now);
    // Who looked at a buyer's data is on record too.
    recordAudit(ctx.db, actorOf(req), now, 'supporter.export', `supporter:${supporter.id}`, null, null);
    sendDataExport(res, data, now);
  });

  // A refused erasure answers with the plain error page, never the buyer's page: nothing about the
  // person (their address, typed to confirm) goes back in the answer to an attempt to erase them.
  routes.post('/admin/supporters/:id/erase', 'admin', (req, res) => {
    const supporterId = recordId(req.params.id, MISSING);
    const request = { supporterId, reason: field(req.body, 'reason'), confirmEmail: field(req.body, 'confirmEmail') };
    eraseSupporter(ctx.db, request, actorOf(req), ctx.clock.now());
    res.redirect(303, `/admin/supporters/${supporterId}?done=erased`);
  });

  routes.post('/admin/supporters/:id/deliverable', 'staff', (req, res) => {
    const supporterId = recordId(req.params.id, MISSING);
    const values = formValues(req.body, ['reason']);
    keepFormOnRefusal(
      res,
      values,
      () => {
        makeAddressDeliverable(ctx.db, supporterId, values.reason!, actorOf(req), ctx.clock.now());
        res.redirect(303, `/admin/supporters/${supporterId}?done=deliverable`);
      },
      (form) => renderSupporter(req, res, refusedIn(form, 'deliverable')),
    );
  });
}
