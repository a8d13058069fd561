import type { AppContext } from '../../../context.js';
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
import { field, recordId, type AdminRoutes } from './admin-router.js';
import { NotFoundError } from '../../../errors.js';

const MISSING = 'There is no such buyer.';

/**
 * A buyer's page: what we hold about them, their data as a file (staff), and erasing them on request
 * (admins only: it cannot be undone).
 */
export function supportersRoutes(routes: AdminRoutes, ctx: AppContext): void {
  routes.get('/admin/supporters/:id', 'staff', (req, res) => {
    const overview = findSupporterOverview(ctx.db, recordId(req.params.id, MISSING));
    if (!overview) throw new NotFoundError('not_found', MISSING);
    res.render('pages/admin/supporter', {
      ...supporterPageView(overview, { isErasedJustNow: req.query.done === 'erased' }),
      ...supporterFeedbackView(overview.supporter, listNotificationsFor(ctx.db, overview.supporter.email), {
        isReenabledJustNow: req.query.done === 'deliverable',
      }),
    });
  });

  routes.get('/admin/supporters/:id/export', 'staff', (req, res) => {
    const supporter = findSupporterById(ctx.db, recordId(req.params.id, MISSING));
    if (!supporter) throw new NotFoundError('not_found', MISSING);
    const now = ctx.clock.now();
    const data = exportSupporterData(ctx.db, supporter, now);
    // Who looked at a buyer's data is on record too.
    recordAudit(ctx.db, actorOf(req), now, 'supporter.export', `supporter:${supporter.id}`, null, null);
    sendDataExport(res, data, now);
  });

  routes.post('/admin/supporters/:id/erase', 'admin', (req, res) => {
    const supporterId = recordId(req.params.id, MISSING);
    const request = { supporterId, reason: field(req.body, 'reason'), confirmEmail: field(req.body, 'confirmEmail') };
    eraseSupporter(ctx.db, request, actorOf(req), ctx.clock.now());
    res.redirect(303, `/admin/supporters/${supporterId}?done=erased`);
  });
}
