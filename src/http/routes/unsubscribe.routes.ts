import { Router, type Request, type Response } from 'express';
import type { AppContext } from '../../context.js';
import { setMonthlyEmail } from '../../supporters/supporter-settings.js';
import { findSupporterByToken } from '../../supporters/supporters.queries.js';
import { pageNotFound } from '../middleware/error-handler.js';
import { sameOrigin } from '../middleware/same-origin.js';
import { privatePage } from '../middleware/security-headers.js';

/**
 * Unsubscribing from the monthly email (RFC 8058). A POST to the link unsubscribes at once, with no
 * cookie, login, redirect or same-origin check: mailbox providers send it from their own servers.
 * A GET only shows a confirm button, because link scanners follow every GET in an email.
 */
export function unsubscribeRoutes(ctx: AppContext): Router {
  const router = Router();
  const pageData = (token: string, title: string, extra: object = {}) => {
    const base = `/unsubscribe/${encodeURIComponent(token)}`;
    return {
      title,
      noindex: true,
      actions: { unsubscribe: base, resubscribe: `${base}/resubscribe` },
      impactUrl: `/impact/${encodeURIComponent(token)}`,
      ...extra,
    };
  };

  router.get('/unsubscribe/:token', privatePage(), (req: Request<{ token: string }>, res: Response) => {
    const supporter = findSupporterByToken(ctx.db, req.params.token);
    if (!supporter) throw pageNotFound();
    res.render('pages/unsubscribe/confirm', pageData(req.params.token, 'The monthly impact email', { isSubscribed: supporter.isSubscribed }));
  });

  router.post('/unsubscribe/:token', privatePage(), (req: Request<{ token: string }>, res: Response) => {
    if (!setMonthlyEmail(ctx.db, req.params.token, false)) throw pageNotFound();
    res.render('pages/unsubscribe/done', pageData(req.params.token, 'You are unsubscribed'));
  });

  // Only from our own pages: nobody else has a reason to sign someone up again.
  router.post('/unsubscribe/:token/resubscribe', privatePage(), sameOrigin(ctx.config.publicUrl), (req: Request<{ token: string }>, res: Response) => {
    if (!setMonthlyEmail(ctx.db, req.params.token, true)) throw pageNotFound();
    res.render('pages/unsubscribe/resubscribed', pageData(req.params.token, 'You are subscribed again'));
  });

  return router;
}
