import express, { Router } from 'express';
import type { AppContext } from '../../context.js';
import { verifyStripeEvent } from '../../stripe/verify-event.js';
import { AppError, UnsupportedMediaTypeError } from '../../errors.js';

export function stripeWebhookRoutes(ctx: AppContext): Router {
  const router = Router();
  const { secrets, webhookToleranceSeconds } = ctx.config;
  // Stripe signs the exact bytes it sent: this route reads them raw, before any JSON parser.
  router.post('/webhooks/stripe', express.raw({ type: () => true, limit: '512kb' }), async (req, res) => {
    let event;
    try {
      if (!req.is('application/json'))
        throw new UnsupportedMediaTypeError('unsupported_media_type', 'Stripe webhooks are sent as application/json.');
      event = verifyStripeEvent(
        req.body,
        req.get('stripe-signature'),
        secrets.stripeWebhookSecrets,
        webhookToleranceSeconds,
        ctx.clock.now(),
      );
    } catch (error) {
      ctx.metrics.webhook('rejected', error instanceof AppError ? error.code : 'error');
      throw error;
    }
    const isNew = await ctx.eventWriter.store(event); // committed to disk before we answer
    ctx.metrics.webhook(isNew ? 'stored' : 'duplicate');
    res.json({ received: true, duplicate: !isNew });
    if (isNew) ctx.events.eventArrived(); // processing reads the stored copy
  });
  return router;
}
