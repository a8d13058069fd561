import { Router } from 'express';
import type { AppContext } from '../../../context.js';
import { staffSession } from '../../middleware/staff-session.js';
import { accountRoutes } from './account.routes.js';
import { accountsRoutes } from './accounts.routes.js';
import { adminRoutesOn } from './admin-router.js';
import { authRoutes } from './auth.routes.js';
import { cameraDataRoutes } from './camera-data.routes.js';
import { catalogRoutes } from './catalog.routes.js';
import { dashboardRoutes } from './dashboard.routes.js';
import { deliverabilityRoutes } from './deliverability.routes.js';
import { donationsRoutes } from './donations.routes.js';
import { emailsRoutes } from './emails.routes.js';
import { eventsRoutes } from './events.routes.js';
import { ordersRoutes } from './orders.routes.js';
import { reconciliationRoutes } from './reconciliation.routes.js';
import { supportersRoutes } from './supporters.routes.js';
import { stripeCheckRoutes } from './stripe-check.routes.js';

/** The staff console: everything under /admin, each route behind its role (see adminRoutesOn). */
export function adminRoutes(ctx: AppContext): Router {
  const router = Router();
  router.use('/admin', staffSession(ctx));
  const routes = adminRoutesOn(router, ctx);
  authRoutes(router, routes, ctx);
  dashboardRoutes(routes, ctx);
  ordersRoutes(routes, ctx);
  supportersRoutes(routes, ctx);
  eventsRoutes(routes, ctx);
  catalogRoutes(routes, ctx);
  accountsRoutes(routes, ctx);
  accountRoutes(routes, ctx);
  reconciliationRoutes(routes, ctx);
  stripeCheckRoutes(routes, ctx);
  donationsRoutes(routes, ctx);
  emailsRoutes(routes, ctx);
  deliverabilityRoutes(routes, ctx);
  cameraDataRoutes(routes, ctx);
  return router;
}
