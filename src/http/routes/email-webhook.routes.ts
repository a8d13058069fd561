import express, { Router } from 'express';
import type { AppContext } from '../../context.js';
import { pageNotFound } from '../../errors.js';

/**
 * Bounces, complaints and deliveries from the mail provider (`ses`, `postmark`, `generic`). Each
 * provider signs or authenticates the exact bytes it sent, so the body is read raw (SNS posts JSON
 * as text/plain), before any other parser. A provider that is not configured answers 404.
 */
export function emailWebhookRoutes(ctx: AppContext): Router {
  const router = Router();
  const path = '/webhooks/email/:provider';
  // Refused before the body is read: a provider that is not configured costs nothing.
  router.post(path, (req, _res, next) =>
    next(ctx.emailFeedback.configured(req.params.provider!) ? undefined : pageNotFound()),
  );
  router.post(path, express.raw({ type: () => true, limit: '256kb' }), async (req, res) => {
    const provider = ctx.emailFeedback.configured(req.params.provider)!;
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    res.json(await ctx.emailFeedback.receive(provider, { body, header: (name) => req.get(name) }));
  });
  return router;
}
