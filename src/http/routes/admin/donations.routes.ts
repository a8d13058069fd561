import type { Response } from 'express';
import type { AppContext } from '../../../context.js';
import { isoDay } from '../../../lib/clock.js';
import { formatMoney, parseMoney } from '../../../lib/money.js';
import {
  listDonationPayments,
  recordDonationPayment,
  voidDonationPayment,
} from '../../../reconciliation/donation-payments.js';
import { outstandingByCurrency } from '../../../reconciliation/months.queries.js';
import { paymentView } from '../../presenters/admin/reconciliation.presenter.js';
import { actorOf } from '../../presenters/admin/staff.presenter.js';
import {
  type AdminRoutes,
  formValues,
  keepFormOnRefusal,
  recordId,
  refusedIn,
  type RefusedForm,
  typedOr,
} from './admin-router.js';
import { BadRequestError } from '../../../errors.js';

/** Donations paid to the charity: record one, void a mistake (never delete), see what is still owed. */
export function donationsRoutes(routes: AdminRoutes, ctx: AppContext): void {
  const renderDonations = (res: Response, form: RefusedForm | null) => {
    const today = isoDay(ctx.clock.now());
    res.render('pages/admin/donations', {
      title: 'Donations paid',
      outstanding: outstandingByCurrency(ctx.db).map((o) => ({
        currency: o.currency,
        amount: formatMoney(o.outstandingMinor, o.currency),
        minor: o.outstandingMinor,
      })),
      payments: listDonationPayments(ctx.db).map((p) => ({
        ...paymentView(p),
        typedVoidReason: typedOr(form, {}, p.id).reason,
      })),
      today,
      form: form ?? { values: {}, error: null },
      newPayment: typedOr(form, { paidOn: today, currency: 'GBP' }),
    });
  };
  routes.get('/admin/donations', 'staff', (_req, res) => renderDonations(res, null));

  routes.post('/admin/donations', 'staff', (req, res) => {
    const values = formValues(req.body, ['paidOn', 'amount', 'currency', 'reference', 'note']);
    keepFormOnRefusal(
      res,
      values,
      () => {
        const currency = values.currency!.toUpperCase();
        const amountMinor = parseMoney(values.amount!, currency);
        if (amountMinor === null)
          throw new BadRequestError('invalid_amount', 'Enter the amount like 250.00.', { field: 'amount' });
        const input = {
          paidOn: values.paidOn!,
          amountMinor,
          currency,
          reference: values.reference!,
          note: values.note!,
        };
        recordDonationPayment(ctx.db, input, actorOf(req), ctx.clock.now());
        res.redirect(303, '/admin/donations');
      },
      (form) => renderDonations(res, form),
    );
  });

  routes.post('/admin/donations/:id/void', 'staff', (req, res) => {
    const id = recordId(req.params.id, 'There is no such donation payment.');
    const values = formValues(req.body, ['reason']);
    keepFormOnRefusal(
      res,
      values,
      () => {
        voidDonationPayment(ctx.db, id, values.reason!, actorOf(req), ctx.clock.now());
        res.redirect(303, '/admin/donations');
      },
      (form) => renderDonations(res, refusedIn(form, id)),
    );
  });
}
