import type { AppContext } from '../../../context.js';
import { addCensusDraft, listCensuses, publishCensus } from '../../../census/manage-censuses.js';
import { addConversionRule, listRules, parseRates, withdrawConversionRule } from '../../../conversion/manage-rules.js';
import { isoDay } from '../../../lib/clock.js';
import { parseMoney } from '../../../lib/money.js';
import { listCatalog, listUnmappedItems, saveProductMapping } from '../../../products/map-product.js';
import { censusRowView, ruleView } from '../../presenters/admin/catalog.presenter.js';
import { actorOf } from '../../presenters/admin/staff.presenter.js';
import { type AdminRoutes, field, recordId } from './admin-router.js';

const DAY_MS = 86_400_000;

/** What the numbers are made of: the product catalog (staff), conversion rules (admins), the census (staff). */
export function catalogRoutes(routes: AdminRoutes, ctx: AppContext): void {
  productRoutes(routes, ctx);
  ruleRoutes(routes, ctx);
  censusRoutes(routes, ctx);
}

function productRoutes(routes: AdminRoutes, ctx: AppContext): void {
  routes.get('/admin/products', 'staff', (_req, res) => {
    res.render('pages/admin/products', {
      title: 'Products',
      unmapped: listUnmappedItems(ctx.db),
      catalog: listCatalog(ctx.db),
    });
  });

  routes.post('/admin/products', 'staff', (req, res) => {
    const input = {
      stripeId: field(req.body, 'stripeId'),
      name: field(req.body, 'name'),
      pairsPerUnit: wholeNumber(field(req.body, 'pairsPerUnit')),
    };
    const result = saveProductMapping(ctx.db, input, actorOf(req), ctx.clock.now());
    res.redirect(303, `/admin/products?saved=${result.productId}&orders=${result.ordersReconciled}`);
  });
}

function ruleRoutes(routes: AdminRoutes, ctx: AppContext): void {
  routes.get('/admin/rules', 'staff', (_req, res) => {
    const rules = listRules(ctx.db, ctx.clock.now()).map(ruleView);
    res.render('pages/admin/rules', { title: 'Conversion rules', rules, tomorrow: isoDay(ctx.clock.now() + DAY_MS) });
  });

  routes.post('/admin/rules', 'admin', (req, res) => {
    const input = {
      effectiveOn: field(req.body, 'effectiveOn'),
      trapWeeksPerPair: wholeNumber(field(req.body, 'trapWeeksPerPair')),
      donationPerPairMinor: parseRates(field(req.body, 'rates'), parseMoney),
    };
    addConversionRule(ctx.db, input, actorOf(req), ctx.clock.now());
    res.redirect(303, '/admin/rules');
  });

  routes.post('/admin/rules/:id/withdraw', 'admin', (req, res) => {
    const id = recordId(req.params.id, 'There is no such conversion rule.');
    withdrawConversionRule(ctx.db, id, actorOf(req), ctx.clock.now());
    res.redirect(303, '/admin/rules');
  });
}

function censusRoutes(routes: AdminRoutes, ctx: AppContext): void {
  routes.get('/admin/census', 'staff', (_req, res) => {
    res.render('pages/admin/census', {
      title: 'Census',
      censuses: listCensuses(ctx.db).map(censusRowView),
      today: isoDay(ctx.clock.now()),
    });
  });

  routes.post('/admin/census', 'staff', (req, res) => {
    const input = {
      countedOn: field(req.body, 'countedOn'),
      adults: wholeNumber(field(req.body, 'adults')),
      // Both left empty: a head count only.
      adolescents: optionalWholeNumber(field(req.body, 'adolescents')),
      cubs: optionalWholeNumber(field(req.body, 'cubs')),
      source: field(req.body, 'source'),
      note: field(req.body, 'note'),
    };
    addCensusDraft(ctx.db, input, actorOf(req), ctx.clock.now());
    res.redirect(303, '/admin/census');
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
