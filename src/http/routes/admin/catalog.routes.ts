import type { Response } from 'express';
import type { AppContext } from '../../../context.js';
import { addCensusDraft, listCensuses, publishCensus } from '../../../census/manage-censuses.js';
import { addConversionRule, listRules, parseRates, withdrawConversionRule } from '../../../conversion/manage-rules.js';
import { isoDay } from '../../../lib/clock.js';
import { parseMoney } from '../../../lib/money.js';
import { listCatalog, listUnmappedItems, saveProductMapping } from '../../../products/map-product.js';
import { censusRowView, ruleView } from '../../presenters/admin/catalog.presenter.js';
import { actorOf } from '../../presenters/admin/staff.presenter.js';
import { type AdminRoutes, formValues, keepFormOnRefusal, recordId, type RefusedForm } from './admin-router.js';

const DAY_MS = 86_400_000;

/** What the numbers are made of: the product catalog (staff), conversion rules (admins), the census (staff). */
export function catalogRoutes(routes: AdminRoutes, ctx: AppContext): void {
  productRoutes(routes, ctx);
  ruleRoutes(routes, ctx);
  censusRoutes(routes, ctx);
}

function productRoutes(routes: AdminRoutes, ctx: AppContext): void {
  const renderProducts = (res: Response, form: RefusedForm | null) => {
    res.render('pages/admin/products', {
      title: 'Products',
      unmapped: listUnmappedItems(ctx.db),
      catalog: listCatalog(ctx.db),
      form: form ?? { values: {}, error: null },
    });
  };
  routes.get('/admin/products', 'staff', (_req, res) => renderProducts(res, null));

  routes.post('/admin/products', 'staff', (req, res) => {
    const values = formValues(req.body, ['stripeId', 'name', 'pairsPerUnit']);
    keepFormOnRefusal(
      res,
      values,
      () => {
        const input = {
          stripeId: values.stripeId!,
          name: values.name!,
          pairsPerUnit: wholeNumber(values.pairsPerUnit!),
        };
        const result = saveProductMapping(ctx.db, input, actorOf(req), ctx.clock.now());
        res.redirect(303, `/admin/products?saved=${result.productId}&orders=${result.ordersReconciled}`);
      },
      (form) => renderProducts(res, form),
    );
  });
}

function ruleRoutes(routes: AdminRoutes, ctx: AppContext): void {
  const renderRules = (res: Response, form: RefusedForm | null) => {
    const rules = listRules(ctx.db, ctx.clock.now()).map(ruleView);
    const tomorrow = isoDay(ctx.clock.now() + DAY_MS);
    res.render('pages/admin/rules', {
      title: 'Conversion rules',
      rules,
      tomorrow,
      form: form ?? { values: { effectiveOn: tomorrow, trapWeeksPerPair: '1', rates: '' }, error: null },
    });
  };
  routes.get('/admin/rules', 'staff', (_req, res) => renderRules(res, null));

  routes.post('/admin/rules', 'admin', (req, res) => {
    const values = formValues(req.body, ['effectiveOn', 'trapWeeksPerPair', 'rates']);
    keepFormOnRefusal(
      res,
      values,
      () => {
        const input = {
          effectiveOn: values.effectiveOn!,
          trapWeeksPerPair: wholeNumber(values.trapWeeksPerPair!),
          donationPerPairMinor: parseRates(values.rates!, parseMoney),
        };
        addConversionRule(ctx.db, input, actorOf(req), ctx.clock.now());
        res.redirect(303, '/admin/rules');
      },
      (form) => renderRules(res, form),
    );
  });

  routes.post('/admin/rules/:id/withdraw', 'admin', (req, res) => {
    const id = recordId(req.params.id, 'There is no such conversion rule.');
    withdrawConversionRule(ctx.db, id, actorOf(req), ctx.clock.now());
    res.redirect(303, '/admin/rules');
  });
}

function censusRoutes(routes: AdminRoutes, ctx: AppContext): void {
  const renderCensus = (res: Response, form: RefusedForm | null) => {
    res.render('pages/admin/census', {
      title: 'Census',
      censuses: listCensuses(ctx.db).map(censusRowView),
      today: isoDay(ctx.clock.now()),
      form: form ?? { values: {}, error: null },
    });
  };
  routes.get('/admin/census', 'staff', (_req, res) => renderCensus(res, null));

  routes.post('/admin/census', 'staff', (req, res) => {
    const values = formValues(req.body, ['countedOn', 'adults', 'adolescents', 'cubs', 'source', 'note']);
    keepFormOnRefusal(
      res,
      values,
      () => {
        const input = {
          countedOn: values.countedOn!,
          adults: wholeNumber(values.adults!),
          // Both left empty: a head count only.
          adolescents: optionalWholeNumber(values.adolescents!),
          cubs: optionalWholeNumber(values.cubs!),
          source: values.source!,
          note: values.note!,
        };
        addCensusDraft(ctx.db, input, actorOf(req), ctx.clock.now());
        res.redirect(303, '/admin/census');
      },
      (form) => renderCensus(res, form),
    );
  });

  routes.post('/admin/census/:id/publish', 'staff', (req, res) => {
    const id = recordId(req.params.id, 'There is no such census.');
    publishCensus(ctx.db, id, actorOf(req), ctx.clock.now());
    res.redirect(303, '/admin/census');
  });
}

/** A whole number typed into a form, or NaN (which every use case refuses with its own message). */
function wholeNumber(text: string): number {
  return /^\d{1,9}$/.test(text) ? Number(text) : Number.NaN;
}

function optionalWholeNumber(text: string): number | null {
  return text === '' ? null : wholeNumber(text);
}
