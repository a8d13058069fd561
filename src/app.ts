import express from 'express';
import type { AppContext } from './context.js';
import { errorHandler, notFound } from './http/middleware/error-handler.js';
import { requestContext } from './http/middleware/request-context.js';
import { publicRoutes } from './http/routes/public.routes.js';
import { stripeWebhookRoutes } from './http/routes/stripe-webhook.routes.js';
import { createViewEngine, VIEWS_DIR } from './http/view-engine.js';

/** Builds the Express app from a context. Reads no environment and opens no files of its own. */
export function createApp(ctx: AppContext): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');
  app.engine('hbs', createViewEngine(VIEWS_DIR));
  app.set('view engine', 'hbs');
  app.set('views', VIEWS_DIR);

  app.use(requestContext(ctx.logger));
  app.use((_req, res, next) => {
    res.set({ 'X-Content-Type-Options': 'nosniff', 'X-Frame-Options': 'DENY', 'Referrer-Policy': 'same-origin' });
    next();
  });
  app.use(stripeWebhookRoutes(ctx)); // raw body: mounted before any body parser
  app.use(express.urlencoded({ extended: false, limit: '32kb' }));
  app.use(publicRoutes(ctx));
  app.use(notFound());
  app.use(errorHandler());
  return app;
}
