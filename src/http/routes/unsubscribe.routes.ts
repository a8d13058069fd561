import { Router, type Request, type Response } from 'express';
import type { AppContext } from '../../context.js';
import { findUnsubscribeLink, setMonthlyEmail, unsubscribeByLink, type UnsubscribeLink } from '../../supporters/supporter-settings.js';
import { pageNotFound } from '../middleware/error-handler.js';
import { sameOrigin } from '../middleware/same-origin.js';
import { privatePage } from '../middleware/security-headers.js';

/**
 * Unsubscribing from the monthly email (RFC 8058). A POST to the link unsubscribes at once, with no
 * cookie, login, redirect or same-origin check: mailbox providers send it from their own servers.
 * A GET only shows a confirm button, because link scanners follow every GET in an email. A link
 * the supporter has since replaced still unsubscribes, and does nothing else: its pages offer no
 * way back in, neither to the impact page nor to subscribing again.
 */
export function unsubscribeRoutes(ctx: AppContext): Router {
  const router = Router();
  const pageData = (token: string, title: string, link?: UnsubscribeLink) => {
    const base = `/unsubscribe/${encodeURIComponent(token)}`;
    const isReplaced = link?.isReplaced ?? false;
    return {
      title,
      noindex: true,
      // A replaced link always offers the button: it does not say whether its owner is subscribed.
      isSubscribed: isReplaced || link?.supporter.isSubscribed,
      actions: { unsubscribe: base, resubscribe: isReplaced ? undefined : `${base}/resubscribe` },
      impactUrl: isReplaced ? undefined : `/impact/${encodeURIComponent(token)}`,
    };
  };

  router.get('/unsubscribe/:token', privatePage(), (req: Request<{ token: string }>, res: Response) => {
    const link = findUnsubscribeLink(ctx.db, req.params.token);
    if (!link) throw pageNotFound();
    res.render('pages/unsubscribe/confirm', pageData(req.params.token, 'The monthly impact email', link));
  });

  router.post('/unsubscribe/:token', privatePage(), (req: Request<{ token: string }>, res: Response) => {
    const link = unsubscribeByLink(ctx.db, req.params.token);
    if (!link) throw pageNotFound();
    res.render('pages/unsubscribe/done', pageData(req.params.token, 'You are unsubscribed', link));
  });

  // Only from our own pages: nobody else has a reason to sign someone up again.
  router.post('/unsubscribe/:token/resubscribe', privatePage(), sameOrigin(ctx.config.publicUrl), (req: Request<{ token: string }>, res: Response) => {
    if (!setMonthlyEmail(ctx.db, req.params.token, true)) throw pageNotFound();
    res.render('pages/unsubscribe/resubscribed', pageData(req.params.token, 'You are subscribed again'));
  });

  return router;
}
