import { Router, type Request, type Response } from 'express';
import type { AppContext } from '../../context.js';
import { findUnsubscribeLink, setMonthlyEmail, unsubscribeByLink } from '../../supporters/supporter-settings.js';
import { sameOrigin } from '../middleware/same-origin.js';
import { privatePage } from '../middleware/security-headers.js';
import { unsubscribePage } from '../presenters/unsubscribe.presenter.js';
import { pageNotFound } from '../../errors.js';

/**
 * Unsubscribing from the monthly email (RFC 8058). A POST to the link unsubscribes at once, with no
 * cookie, login, redirect or same-origin check: mailbox providers send it from their own servers.
 * A GET only shows a confirm button, because link scanners follow every GET in an email. A link
 * the supporter has since replaced still unsubscribes, and does nothing else: its pages offer no
 * way back in, neither to the impact page nor to subscribing again.
 */
export function unsubscribeRoutes(ctx: AppContext): Router {
  const router = Router();
  router.get('/unsubscribe/:token', privatePage(), (req: Request<{ token: string }>, res: Response) => {
    const link = findUnsubscribeLink(ctx.db, req.params.token);
    if (!link) throw pageNotFound();
    res.render('pages/unsubscribe/confirm', unsubscribePage(req.params.token, 'The monthly impact email', link));
  });

  router.post('/unsubscribe/:token', privatePage(), (req: Request<{ token: string }>, res: Response) => {
    const link = unsubscribeByLink(ctx.db, req.params.token, ctx.clock.now());
    if (!link) throw pageNotFound();
    res.render('pages/unsubscribe/done', unsubscribePage(req.params.token, 'You are unsubscribed', link));
  });

  // Only from our own pages: nobody else has a reason to sign someone up again.
  router.post(
    '/unsubscribe/:token/resubscribe',
    privatePage(),
    sameOrigin(ctx.config.publicUrl, { allowsNullOrigin: true }),
    (req: Request<{ token: string }>, res: Response) => {
      if (!setMonthlyEmail(ctx.db, req.params.token, true, ctx.clock.now())) throw pageNotFound();
      res.render('pages/unsubscribe/resubscribed', unsubscribePage(req.params.token, 'You are subscribed again'));
    },
  );

  return router;
}
