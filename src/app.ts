import express from 'express';
import type { AppContext } from './context.js';
import { errorHandler, notFound } from './http/middleware/error-handler.js';
import { formBodies } from './http/middleware/form-bodies.js';
import { requestContext } from './http/middleware/request-context.js';
import { securityHeaders } from './http/middleware/security-headers.js';
import { adminRoutes } from './http/routes/admin/admin.routes.js';
import { assetLocals, assetsRoutes } from './http/routes/assets.routes.js';
import { impactPageRoutes } from './http/routes/impact-page.routes.js';
import { lookupRoutes } from './http/routes/lookup.routes.js';
import { opsRoutes, requestMetrics } from './http/routes/ops.routes.js';
import { pagesRoutes } from './http/routes/pages.routes.js';
import { publicRoutes } from './http/routes/public.routes.js';
import { stripeWebhookRoutes } from './http/routes/stripe-webhook.routes.js';
import { emailWebhookRoutes } from './http/routes/email-webhook.routes.js';
import { unsubscribeRoutes } from './http/routes/unsubscribe.routes.js';
import { PageCache } from './http/page-cache.js';
import { createViews, VIEWS_DIR } from './http/view-engine.js';

/** Builds the Express app from a context. Reads no environment and opens no files of its own. */
export function createApp(ctx: AppContext): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');
  // Answers worth revalidating (the public pages, the badge, the API, the assets) carry a strong
  // ETag computed once. Hashing every other body (private no-store pages, webhook replies, CSV) is
  // work no client uses.
  app.set('etag', false);
  const views = createViews(VIEWS_DIR);
  app.engine('hbs', views.engine);
  app.set('view engine', 'hbs');
  app.set('views', VIEWS_DIR);

  app.use(requestContext(ctx.logger));
  if (ctx.config.secrets.metricsToken) app.use(requestMetrics(ctx));
  app.use(
    securityHeaders({
      isStrictTransport: ctx.config.env === 'production' || ctx.config.publicUrl.startsWith('https:'),
    }),
  );
  Object.assign(app.locals, assetLocals());
  // Public answers are the same for everyone: kept once, until the database changes. These
  // routes take no body and are the busiest, so they are matched first, on the app itself.
  const publicCache = new PageCache(ctx.db);
  pagesRoutes(ctx, views, publicCache, app);
  publicRoutes(ctx, publicCache, app);
  opsRoutes(ctx, app);
  app.use(assetsRoutes());
  app.use(stripeWebhookRoutes(ctx)); // raw body: mounted before any body parser
  app.use(emailWebhookRoutes(ctx)); // likewise
  // Form bodies as large as our forms need and no larger, read before any route looks at them: the
  // sign-in and the shoppers' forms carry an address or a button; the console's largest field is a
  // 1,000-character field note (up to 12 kB once encoded).
  app.use('/admin/login', formBodies('4kb', 10));
  app.use('/admin', formBodies('16kb', 30));
  app.use(formBodies('4kb', 10));
  app.use(lookupRoutes(ctx)); // before /impact/:token, which would otherwise take "lookup" for a token
  app.use(impactPageRoutes(ctx, views, publicCache));
  app.use(unsubscribeRoutes(ctx));
  // The staff console, everything under /admin: after the public routes, so the shoppers' pages
  // (the busy ones) are not matched against its few dozen routes first.
  app.use(adminRoutes(ctx));
  app.use(notFound());
  app.use(errorHandler());
  return app;
}
