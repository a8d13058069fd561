import type { AppContext } from '../../../context.js';
import { emailsAboutOrder } from '../../../dashboard/emails.queries.js';
import { isPeriod } from '../../../lib/months.js';
import { findOrderDetail } from '../../../orders/order-detail.queries.js';
import { searchOrders } from '../../../orders/order-search.queries.js';
import type { OrderStatus } from '../../../orders/orders.queries.js';
import { orderDetailView, orderRowView } from '../../presenters/admin/console.presenter.js';
import { orderTrapWeekView } from '../../presenters/admin/camera-data.presenter.js';
import { listOrderTrapWeeks } from '../../../camtrap/camera-data.queries.js';
import { idParam, queryParam, type AdminRoutes } from './admin-router.js';
import { NotFoundError } from '../../../errors.js';

const PAGE = 50;
const STATUSES: OrderStatus[] = ['paid', 'open', 'unpaid', 'expired', 'failed'];

/** Orders: search by email or any Stripe id, filter by status and month, and one order's whole story. */
export function ordersRoutes(routes: AdminRoutes, ctx: AppContext): void {
  routes.get('/admin/orders', 'staff', (req, res) => {
    const text = queryParam(req.query.q);
    const status = STATUSES.find((s) => s === queryParam(req.query.status));
    const month = isPeriod(queryParam(req.query.month)) ? queryParam(req.query.month) : undefined;
    const rows = searchOrders(ctx.db, {
      text: text || undefined,
      status,
      month,
      beforeId: idParam(req.query.before),
      limit: PAGE,
    });
    const params = new URLSearchParams({
      ...(text && { q: text }),
      ...(status && { status }),
      ...(month && { month }),
    });
    if (rows.length === PAGE) params.set('before', String(rows.at(-1)!.id));
    res.render('pages/admin/orders', {
      title: 'Orders',
      filter: { q: text, status: status ?? '', month: month ?? '' },
      statuses: STATUSES,
      orders: rows.map(orderRowView),
      olderUrl: rows.length === PAGE ? `/admin/orders?${params}` : null,
    });
  });

  routes.get('/admin/orders/:id', 'staff', (req, res) => {
    const id = idParam(req.params.id);
    const detail = id ? findOrderDetail(ctx.db, id) : undefined;
    if (!detail) throw new NotFoundError('not_found', 'There is no such order.');
    res.render('pages/admin/order', {
      ...orderDetailView(detail, emailsAboutOrder(ctx.db, detail.order.checkoutSessionId)),
      allocations: listOrderTrapWeeks(ctx.db, detail.order.id).map(orderTrapWeekView),
    });
  });
}
