import type { AppContext } from '../../../context.js';
import { attention, dashboardFigures } from '../../../dashboard/dashboard.queries.js';
import { emailActivity } from '../../../dashboard/email-activity.queries.js';
import { webhookHealth } from '../../../dashboard/webhook-health.js';
import { weeklySales } from '../../../dashboard/weekly-sales.queries.js';
import { lastMonths } from '../../../lib/months.js';
import { weeksOfLastYear } from '../../../lib/weeks.js';
import { attentionView, figuresView, webhookHealthView } from '../../presenters/admin/console.presenter.js';
import { listMonths } from '../../../reconciliation/months.queries.js';
import { CHART_MONTHS, donationChartsView } from '../../presenters/admin/donations-chart.presenter.js';
import { emailActivityView } from '../../presenters/admin/email-chart.presenter.js';
import { weeklySalesView } from '../../presenters/admin/sales-chart.presenter.js';
import type { AdminRoutes } from './admin-router.js';
import { isOverLimits, listMonthRates } from '../../../dashboard/deliverability.queries.js';
import { rateWarningView } from '../../presenters/admin/deliverability.presenter.js';

export function dashboardRoutes(routes: AdminRoutes, ctx: AppContext): void {
  routes.get('/admin', 'staff', (_req, res) => {
    const now = ctx.clock.now();
    const figures = dashboardFigures(ctx.db, now);
    const months = listMonths(ctx.db, now);
    res.render('pages/admin/dashboard', {
      title: 'Dashboard',
      thisMonthCaption: `This month (${figures.period})`,
      thisMonth: figures.thisMonth.map(figuresView),
      allTime: figures.allTime.map(figuresView),
      attention: attentionView(
        attention(ctx.db, { now, months, outboxStuckMs: ctx.config.ops.readiness.outboxStuckMs }),
      ),
      weeklySales: weeklySalesView(weeklySales(ctx.db, weeksOfLastYear(now))),
      emailActivity: emailActivityView(emailActivity(ctx.db, lastMonths(now, CHART_MONTHS).reverse())),
      donationCharts: donationChartsView(months),
      // This month and the last: a provider judges the recent past.
      rateWarnings: listMonthRates(ctx.db, lastMonths(now, 2)).filter(isOverLimits).map(rateWarningView),
      webhooks: webhookHealthView(
        webhookHealth(ctx.db, now, {
          quietHours: ctx.config.stripeQuietHours,
          isCatchUpOn: ctx.catchUp !== null,
        }),
      ),
    });
  });
}
