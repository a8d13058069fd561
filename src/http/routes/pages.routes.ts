import type { IRouter } from 'express';
import type { AppContext } from '../../context.js';
import { readTotals } from '../../ledger/ledger.queries.js';
import { isoDay } from '../../lib/clock.js';
import { PageCache, withEtag } from '../page-cache.js';
import type { Views } from '../view-engine.js';
import { badgeSvg } from '../presenters/badge.presenter.js';
import { homePage } from '../presenters/home.presenter.js';

/**
 * The public page and the embeddable counter: the same for everyone, so rendered once per change.
 * The app passes itself as `router`: these are the busiest routes, and a nested router costs each
 * request a few microseconds, a tenth of what answering from the cache takes.
 */
export function pagesRoutes(ctx: AppContext, views: Views, cache: PageCache, router: IRouter): IRouter {
  // Rendered with the app's locals only, never one request's: the result is served to everyone.
  router.get('/', (req, res) => {
    // Kept per day as well: the conversion rule the page describes can change at midnight, with no write.
    const now = ctx.clock.now();
    const page = cache.get(`home:${isoDay(now)}`, () =>
      withEtag(views.render('pages/home', { ...req.app.locals, ...homePage(ctx.db, now) })),
    );
    // Public figures may be a minute old in a shared cache; the ETag lets browsers revalidate cheaply.
    res.set({ 'Cache-Control': 'public, max-age=60', ETag: page.etag }).type('html').send(page.body);
  });

  // Shops embed this as <img src=".../badge.svg"> on their own site, hence the cross-origin CORP.
  router.get('/badge.svg', (_req, res) => {
    const badge = cache.get('badge', () => withEtag(badgeSvg(readTotals(ctx.db).trapWeeks)));
    res
      .set({
        'Cache-Control': 'public, max-age=300',
        'Cross-Origin-Resource-Policy': 'cross-origin',
        'Access-Control-Allow-Origin': '*',
        ETag: badge.etag,
      })
      .type('image/svg+xml; charset=utf-8')
      .send(badge.body);
  });

  return router;
}
