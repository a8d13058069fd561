import type { AppContext } from '../../../context.js';
import type { Category } from '../../../reconciliation/balances.js';
import { closeMonth } from '../../../reconciliation/close-month.js';
import { monthLedgerCsv, monthLedgerPage, monthSummaryCsv } from '../../../reconciliation/ledger-lines.js';
import { listMonths, monthSummary } from '../../../reconciliation/months.queries.js';
import { monthRowView, monthView } from '../../presenters/admin/reconciliation.presenter.js';
import { actorOf } from '../../presenters/admin/staff.presenter.js';
import { csvHeaders, streamCsv } from '../../write-chunks.js';
import { type AdminRoutes, idParam, monthParam, queryParam } from './admin-router.js';

const PAGE = 100;
const CATEGORIES: Category[] = ['accrued', 'reversed', 'paid'];

/** Month-end reconciliation: the months, one month's balances and entries, its CSVs, and closing it. */
export function reconciliationRoutes(routes: AdminRoutes, ctx: AppContext): void {
  routes.get('/admin/reconciliation', 'staff', (_req, res) => {
    res.render('pages/admin/reconciliation', {
      title: 'Reconciliation',
      months: listMonths(ctx.db, ctx.clock.now()).map(monthRowView),
    });
  });

  routes.get('/admin/reconciliation/:period.csv', 'staff', (req, res) => {
    const period = monthParam(req.params.period);
    csvHeaders(res, `reconciliation-${period}.csv`).send(
      monthSummaryCsv(monthSummary(ctx.db, period, ctx.clock.now())),
    );
  });

  routes.get('/admin/reconciliation/:period/ledger.csv', 'staff', async (req, res) => {
    const period = monthParam(req.params.period);
    await streamCsv(res, `ledger-${period}.csv`, monthLedgerCsv(ctx.db, period));
  });

  routes.get('/admin/reconciliation/:period', 'staff', (req, res) => {
    const period = monthParam(req.params.period);
    const currency = queryParam(req.query.currency).toUpperCase();
    const category = CATEGORIES.find((c) => c === queryParam(req.query.category));
    const lines = monthLedgerPage(ctx.db, period, {
      afterId: idParam(req.query.after),
      limit: PAGE,
      currency: currency || undefined,
      category,
    });
    const summary = monthSummary(ctx.db, period, ctx.clock.now());
    res.render(
      'pages/admin/reconciliation-month',
      monthView(summary, lines, PAGE, { currency, category: category ?? '' }),
    );
  });

  routes.post('/admin/reconciliation/:period/close', 'staff', (req, res) => {
    const period = monthParam(req.params.period);
    closeMonth(ctx.db, period, actorOf(req), ctx.clock.now());
    res.redirect(303, `/admin/reconciliation/${period}`);
  });
}
