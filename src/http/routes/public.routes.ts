import { Router } from 'express';
import type { AppContext } from '../../context.js';
import { NotFoundError } from '../../errors.js';
import { findSupporterImpact } from '../../supporters/supporter-impact.js';
import { publicImpact, supporterImpactJson } from '../presenters/impact.presenter.js';

export function publicRoutes(ctx: AppContext): Router {
  const router = Router();

  router.get('/healthz', (_req, res) => {
    ctx.database.sqlite.prepare('select 1').get();
    res.json({ status: 'ok' });
  });

  router.get('/api/impact', (_req, res) => {
    res.set('Cache-Control', 'public, max-age=10').json(publicImpact(ctx.db));
  });

  router.get('/api/supporters/:token', (req, res) => {
    const impact = findSupporterImpact(ctx.db, req.params.token);
    if (!impact) throw new NotFoundError('No supporter has this link.');
    res.set({ 'Cache-Control': 'private, no-store', 'Referrer-Policy': 'no-referrer', 'X-Robots-Tag': 'noindex' }).json(supporterImpactJson(impact));
  });

  router.get('/', (_req, res) => {
    res.render('pages/home', { title: 'Every pair keeps a camera trap watching', impact: publicImpact(ctx.db) });
  });

  return router;
}
