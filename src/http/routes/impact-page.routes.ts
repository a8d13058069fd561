import { Router, type Request, type Response } from 'express';
import { latestPublishedCensus } from '../../census/census.queries.js';
import type { AppContext } from '../../context.js';
import { findSupporterCameraWeeks } from '../../camtrap/supporter-weeks.js';
import { findSupporterImpact } from '../../supporters/supporter-impact.js';
import { replaceSupporterLink, setMonthlyEmail } from '../../supporters/supporter-settings.js';
import { PageCache } from '../page-cache.js';
import { sameOrigin } from '../middleware/same-origin.js';
import { privatePage } from '../middleware/security-headers.js';
import { censusView } from '../presenters/home.presenter.js';
import { parseNotice, supporterPage } from '../presenters/supporter-page.presenter.js';
import { BadRequestError, pageNotFound } from '../../errors.js';

/**
 * A shopper's own page. The token in the path is the only key, so an unknown token gets exactly
 * the page any missing address gets. The forms need no CSRF token of their own: the secret token
 * is already in the form's URL, which another site cannot know, and same-origin checks the rest.
 */
export function impactPageRoutes(ctx: AppContext, publicData: PageCache): Router {
  const router = Router();
  const isOurs = sameOrigin(ctx.config.publicUrl, { allowsNullOrigin: true }); // the token in the path is the secret
  const path = (token: string) => `/impact/${encodeURIComponent(token)}`;
  const latestCensus = () =>
    publicData.get('latest-census', () => {
      const census = latestPublishedCensus(ctx.db);
      return census ? censusView(census) : undefined;
    });

  router.get('/impact/:token', privatePage(), (req: Request<{ token: string }>, res: Response) => {
    const impact = findSupporterImpact(ctx.db, req.params.token);
    if (!impact) throw pageNotFound();
    const weeks = findSupporterCameraWeeks(ctx.db, impact.supporterId, impact.trapWeeks);
    res.render(
      'pages/impact',
      supporterPage(path(req.params.token), impact, weeks, latestCensus(), parseNotice(req.query.done)),
    );
  });

  router.post(
    '/impact/:token/monthly-email',
    privatePage(),
    isOurs,
    (req: Request<{ token: string }>, res: Response) => {
      const choice = req.body?.monthly;
      if (choice !== 'on' && choice !== 'off')
        throw new BadRequestError('invalid_choice', 'Please choose whether you want the monthly email.');
      if (!setMonthlyEmail(ctx.db, req.params.token, choice === 'on')) throw pageNotFound();
      res.redirect(303, `${path(req.params.token)}?done=email-${choice}`);
    },
  );

  router.post('/impact/:token/new-link', privatePage(), isOurs, (req: Request<{ token: string }>, res: Response) => {
    const replacement = replaceSupporterLink(ctx.db, ctx.mail.mailer, req.params.token, ctx.clock.now());
    if (!replacement) throw pageNotFound();
    if (replacement.kind === 'replaced') return res.redirect(303, `${path(replacement.token)}?done=new-link`);
    if (replacement.isEmailed) ctx.mail.outbox.wake();
    res.render('pages/link-already-replaced', { title: 'Your link was already replaced', ...replacement });
  });

  return router;
}
