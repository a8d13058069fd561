import type { AppContext } from '../../../context.js';
import { monthCheckCsv } from '../../../stripe/month-check-report.js';
import { stripeCheckView } from '../../presenters/admin/stripe-check.presenter.js';
import { actorOf } from '../../presenters/admin/staff.presenter.js';
import { writeChunks } from '../../write-chunks.js';
import { type AdminRoutes, monthParam } from './admin-router.js';

/** A month checked against Stripe, beside its reconciliation: run in the background, shown as it goes. */
export function stripeCheckRoutes(routes: AdminRoutes, ctx: AppContext): void {
  routes.get('/admin/reconciliation/:period/stripe', 'staff', (req, res) => {
    const period = monthParam(req.params.period);
    res.render('pages/admin/reconciliation-stripe', stripeCheckView(period, ctx.monthChecks.get(period)));
  });

  routes.post('/admin/reconciliation/:period/stripe', 'staff', (req, res) => {
    const period = monthParam(req.params.period);
    ctx.monthChecks.check(period, actorOf(req));
    res.redirect(303, `/admin/reconciliation/${period}/stripe`);
  });

  routes.post('/admin/reconciliation/:period/stripe/apply', 'staff', (req, res) => {
    const period = monthParam(req.params.period);
    ctx.monthChecks.apply(period, actorOf(req));
    res.redirect(303, `/admin/reconciliation/${period}/stripe`);
  });

  routes.get('/admin/reconciliation/:period/stripe.csv', 'staff', async (req, res) => {
    const period = monthParam(req.params.period);
    const report = ctx.monthChecks.get(period)?.report;
    // No check yet (or the server restarted since): the page offers one.
    if (!report) return res.redirect(303, `/admin/reconciliation/${period}/stripe`);
    res.set({
      'Content-Type': 'text/csv; charset=utf-8',
      'Content-Disposition': `attachment; filename="stripe-check-${period}.csv"`,
    });
    await writeChunks(res, monthCheckCsv(report));
  });
}
