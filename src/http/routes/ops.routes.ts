import { createHash, timingSafeEqual } from 'node:crypto';
import type { IRouter, NextFunction, Request, Response } from 'express';
import type { AppContext } from '../../context.js';
import { freeDiskBytes } from '../../ops/metrics.js';
import { checkReadiness } from '../../ops/readiness.js';

/**
 * For the operator's monitoring: `/readyz` (503 with its reasons when degraded; `/healthz` stays the
 * cheap liveness check) and `/metrics` (Prometheus; off without METRICS_TOKEN, and then only for
 * its bearer). Registered on the app itself, before the body parsers and the pages.
 */
export function opsRoutes(ctx: AppContext, router: IRouter): void {
  router.get('/readyz', (_req, res) => {
    const readiness = checkReadiness(
      ctx.db,
      ctx.config.ops.readiness,
      ctx.clock.now(),
      freeDiskBytes(ctx.config.databasePath),
    );
    res
      .status(readiness.isReady ? 200 : 503)
      .set('Cache-Control', 'no-store')
      .json({ status: readiness.isReady ? 'ready' : 'degraded', reasons: readiness.reasons });
  });

  const token = ctx.config.secrets.metricsToken;
  if (!token) return; // off: /metrics is an ordinary 404
  const expected = digest(`Bearer ${token}`);
  router.get('/metrics', async (req, res) => {
    if (!timingSafeEqual(digest(req.get('authorization') ?? ''), expected)) {
      res.status(401).set('WWW-Authenticate', 'Bearer realm="metrics"').type('text').send('Unauthorized\n');
      return;
    }
    const body = await ctx.metrics.render();
    res.set('Cache-Control', 'no-store').type(ctx.metrics.registry.contentType).send(body);
  });
}

/** Times every request by its route pattern (never its path), when metrics are on. */
export function requestMetrics(ctx: AppContext) {
  return (req: Request, res: Response, next: NextFunction) => {
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const pattern: unknown = req.route?.path;
      const route = typeof pattern === 'string' ? `${req.baseUrl}${pattern}` : 'unmatched';
      ctx.metrics.request(req.method, route, res.statusCode, Number(process.hrtime.bigint() - started) / 1e9);
    });
    next();
  };
}

/** Equal-length digests, so comparing a header of any length takes the same time. */
function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
