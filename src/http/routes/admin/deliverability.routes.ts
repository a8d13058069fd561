import type { AppContext } from '../../../context.js';
import { listMonthRates, listRecentNotifications, listSendRates } from '../../../dashboard/deliverability.queries.js';
import { lastMonths } from '../../../lib/months.js';
import {
  monthRatesView,
  notificationView,
  sendRatesView,
  THRESHOLDS,
} from '../../presenters/admin/deliverability.presenter.js';
import { queryParam, type AdminRoutes } from './admin-router.js';

const MONTHS_SHOWN = 12;

/** Bounce and complaint rates per month and per send, and the latest notices (an address is re-enabled on its buyer's page). */
export function deliverabilityRoutes(routes: AdminRoutes, ctx: AppContext): void {
  routes.get('/admin/deliverability', 'staff', (req, res) => {
    const kind = (['complaints', 'unmatched'] as const).find((k) => k === queryParam(req.query.show));
    res.render('pages/admin/deliverability', {
      title: 'Bounces and complaints',
      thresholds: THRESHOLDS,
      months: listMonthRates(ctx.db, lastMonths(ctx.clock.now(), MONTHS_SHOWN)).map(monthRatesView),
      sends: listSendRates(ctx.db).map(sendRatesView),
      show: kind ?? 'all',
      notifications: listRecentNotifications(ctx.db, { kind, limit: 100 }).map(notificationView),
    });
  });
}
