import type { IRouter } from 'express';
import type { AppContext } from '../../context.js';
import { findSupporterCameraWeeks } from '../../camtrap/supporter-weeks.js';
import { findSupporterImpact } from '../../supporters/supporter-impact.js';
import { exportSupporterData } from '../../supporters/export-supporter-data.js';
import { findSupporterByToken } from '../../supporters/supporters.queries.js';
import { sendDataExport } from '../data-export.js';
import { checkDatabaseAnswers } from '../../db/client.js';
import { withEtag, type PageCache } from '../page-cache.js';
import { publicImpact, supporterImpactJson } from '../presenters/impact.presenter.js';
import { NotFoundError } from '../../errors.js';

const PUBLIC_CORS = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Expose-Headers': 'ETag',
  'Cross-Origin-Resource-Policy': 'cross-origin',
};

/** Registered on the app itself, like pagesRoutes, when the app passes itself as `router`. */
export function publicRoutes(ctx: AppContext, cache: PageCache, router: IRouter): IRouter {
  router.get('/healthz', (_req, res) => {
    checkDatabaseAnswers(ctx.db);
    res.json({ status: 'ok' });
  });

  // Any site may read the public totals (the shop shows them). The ETag answers If-None-Match
  // with 304, and the exposed header lets other sites' scripts use it too.
  router.options('/api/impact', (_req, res) => {
    res
      .set({
        ...PUBLIC_CORS,
        'Access-Control-Allow-Methods': 'GET, HEAD',
        'Access-Control-Allow-Headers': 'If-None-Match',
        'Access-Control-Max-Age': '86400',
      })
      .status(204)
      .end();
  });
  router.get('/api/impact', (_req, res) => {
    const impact = cache.get('api-impact', () => withEtag(JSON.stringify(publicImpact(ctx.db))));
    res
      .set({ ...PUBLIC_CORS, 'Cache-Control': 'public, max-age=10', ETag: impact.etag })
      .type('json')
      .send(impact.body);
  });

  router.get('/api/supporters/:token', (req, res) => {
    const impact = findSupporterImpact(ctx.db, req.params.token);
    if (!impact) throw new NotFoundError('not_found', 'No supporter has this link.');
    res
      .set({ 'Cache-Control': 'private, no-store', 'Referrer-Policy': 'no-referrer', 'X-Robots-Tag': 'noindex' })
      .json(supporterImpactJson(impact, findSupporterCameraWeeks(ctx.db, impact.supporterId, impact.trapWeeks)));
  });

  // "Download my data": everything held about the buyer behind the link, as a file.
  router.get('/api/supporters/:token/export', (req, res) => {
    const supporter = findSupporterByToken(ctx.db, req.params.token);
    if (!supporter) throw new NotFoundError('not_found', 'No supporter has this link.');
    const now = ctx.clock.now();
    sendDataExport(res, exportSupporterData(ctx.db, supporter, now), now);
  });

  return router;
}
