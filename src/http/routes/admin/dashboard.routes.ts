import type { AppContext } from '../../../context.js';
import { attention, dashboardFigures } from '../../../dashboard/dashboard.queries.js';
import { webhookHealth } from '../../../dashboard/webhook-health.js';
import { attentionView, figuresView, webhookHealthView } from '../../presenters/admin/console.presenter.js';
import { listMonths } from '../../../reconciliation/months.queries.js';
import { donationChartsView } from '../../presenters/admin/donations-chart.presenter.js';
import type { AdminRoutes } from './admin-router.js';
import { isOverLimits, listMonthRates } from '../../../dashboard/deliverability.queries.js';
import { rateWarningView } from '../../presenters/admin/deliverability.presenter.js';
import { lastMonths } from './deliverability.routes.js';

export function dashboardRoutes(routes: AdminRoutes, ctx: AppContext): void {
  routes.get('/admin', 'staff', (_req, res) => {
    const figures = dashboardFigures(ctx.db, ctx.clock.now());
    res.render('pages/admin/dashboard', {
      title: 'Dashboard',
      thisMonthCaption: `This month (${figures.period})`,
      thisMonth: figures.thisMonth.map(figuresView),
      allTime: figures.allTime.map(figuresView),
      attention: attentionView(attention(ctx.db)),
      donationCharts: donationChartsView(listMonths(ctx.db, ctx.clock.now())),
      // This month and the last: a provider judges the recent past.
      rateWarnings: listMonthRates(ctx.db, lastMonths(ctx.clock.now(), 2)).filter(isOverLimits).map(rateWarningView),
      webhooks: webhookHealthView(
        webhookHealth(ctx.db, ctx.clock.now(), {
          quietHours: ctx.config.stripeQuietHours,
          isCatchUpOn: ctx.catchUp !== null,
        }),
      ),
    });
  });
}
