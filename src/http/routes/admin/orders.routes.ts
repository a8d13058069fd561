import type { AppContext } from '../../../context.js';
import { emailsAboutOrder } from '../../../dashboard/emails.queries.js';
import { findOrderDetail } from '../../../orders/order-detail.queries.js';
import {
  orderCursor,
  ordersCsv,
  searchOrders,
  type OrderSearch,
  type OrderSort,
} from '../../../orders/order-search.queries.js';
import type { OrderStatus } from '../../../orders/orders.queries.js';
import { orderDetailView, orderRowView } from '../../presenters/admin/console.presenter.js';
import { orderTrapWeekView } from '../../presenters/admin/camera-data.presenter.js';
import { listOrderTrapWeeks } from '../../../camtrap/camera-data.queries.js';
import { idParam, type AdminRoutes } from './admin-router.js';
import { listPageView } from '../../presenters/admin/list-page.presenter.js';
import { streamCsv } from '../../write-chunks.js';
import { choiceParam, listParam, monthListParam, readListQuery, type ListSpec, type Query } from './list-query.js';
import { NotFoundError } from '../../../errors.js';

const PAGE = 50;
const STATUSES: OrderStatus[] = ['paid', 'open', 'unpaid', 'expired', 'failed'];
const ORDER_LIST: ListSpec<OrderSort> = {
  path: '/admin/orders',
  defaultSort: 'created',
  sorts: {
    created: { label: 'Created (UTC)', lower: 'Older', higher: 'Newer' },
    paid: { label: 'Paid (UTC)', lower: 'Older', higher: 'Newer', isNarrowing: true },
    amount: { label: 'Amount', lower: 'Smaller', higher: 'Larger' },
  },
};

/** Orders: search by email or any Stripe id, filter, sort, page, download, and one order's whole story. */
export function ordersRoutes(routes: AdminRoutes, ctx: AppContext): void {
  routes.get('/admin/orders', 'staff', (req, res) => {
    const { q, search } = readOrderQuery(req.query);
    const page = searchOrders(ctx.db, search, q.start, PAGE);
    res.render('pages/admin/orders', {
      title: 'Orders',
      statuses: STATUSES,
      orders: page.rows.map(orderRowView),
      list: listPageView(ORDER_LIST, q, page, (row) => orderCursor(search, row)),
    });
  });

  routes.get('/admin/orders.csv', 'staff', async (req, res) => {
    await streamCsv(res, 'orders.csv', ordersCsv(ctx.db, readOrderQuery(req.query).search));
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

/** The order list's query string: its filters, then its sort; a month is read by payment time, so it sorts by it. */
function readOrderQuery(query: Query) {
  const notes: string[] = [];
  const text = listParam(query, 'q', notes);
  const status = choiceParam(query, 'status', STATUSES, notes);
  const month = monthListParam(query, 'month', notes);
  const unmapped = choiceParam(query, 'unmapped', ['yes'] as const, notes);
  const q = readListQuery(query, ORDER_LIST, { q: text, status, month, unmapped }, notes);
  if (month && q.sort !== 'paid') {
    if (query.sort) notes.push('A month filter lists orders by payment time, so they are sorted by it.');
    q.sort = 'paid';
  }
  const search: OrderSearch = {
    text: text || undefined,
    status,
    month,
    hasUnmappedLines: unmapped === 'yes',
    sort: q.sort,
    direction: q.direction,
  };
  return { q, search };
}
