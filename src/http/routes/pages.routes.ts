import { Router, type Application } from 'express';
import type { AppContext } from '../../context.js';
import { readTotals } from '../../ledger/ledger.queries.js';
import { PageCache, withEtag, type CachedBody } from '../page-cache.js';
import { badgeSvg } from '../presenters/badge.presenter.js';
import { homePage } from '../presenters/home.presenter.js';

/** The public page and the embeddable counter: the same for everyone, so rendered once per change. */
export function pagesRoutes(ctx: AppContext, cache = new PageCache(ctx.database.sqlite)): Router {
  const router = Router();

  // The figures are read before the first await, so what is cached matches the change stamp it is filed under.
  const cached = (key: string, build: () => Promise<CachedBody>) =>
    cache.get(key, () =>
      build().catch((error: unknown) => {
        cache.forget(key); // a failure is not an answer worth keeping
        throw error;
      }),
    );

  router.get('/', async (req, res) => {
    const page = await cached('home', () => renderToString(req.app, 'pages/home', homePage(ctx.db)).then(withEtag));
    // Public figures may be a minute old in a shared cache; the ETag lets browsers revalidate cheaply.
    res.set({ 'Cache-Control': 'public, max-age=60', ETag: page.etag }).type('html').send(page.body);
  });

  // Shops embed this as <img src=".../badge.svg"> on their own site, hence the cross-origin CORP.
  router.get('/badge.svg', async (_req, res) => {
    const badge = await cached('badge', async () => withEtag(badgeSvg(readTotals(ctx.db).trapWeeks)));
    res
      .set({ 'Cache-Control': 'public, max-age=300', 'Cross-Origin-Resource-Policy': 'cross-origin', 'Access-Control-Allow-Origin': '*', ETag: badge.etag })
      .type('image/svg+xml')
      .send(badge.body);
  });

  return router;
}

/** Rendered with the app's locals only, never one request's: the result is served to everyone. */
function renderToString(app: Application, view: string, data: object): Promise<string> {
  return new Promise((resolve, reject) => app.render(view, data, (error: Error | null, html?: string) => (error ? reject(error) : resolve(html ?? ''))));
}
