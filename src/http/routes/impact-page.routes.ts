import { Router, type Request, type Response } from 'express';
import { latestPublishedCensus } from '../../census/census.queries.js';
import type { AppContext } from '../../context.js';
import {
  countSupporterWeeks,
  findSupporterCameraWeeks,
  latestSupporterWeeks,
  placesOfSupporter,
  type FundedWeek,
} from '../../camtrap/supporter-weeks.js';
import { findSupporterImpact } from '../../supporters/supporter-impact.js';
import { replaceSupporterLink, setMonthlyEmail } from '../../supporters/supporter-settings.js';
import { PageCache } from '../page-cache.js';
import { sameOrigin } from '../middleware/same-origin.js';
import { contentSecurityPolicy, privatePage } from '../middleware/security-headers.js';
import { censusView } from '../presenters/home.presenter.js';
import { parseNotice, supporterPage, supporterWeeksPage } from '../presenters/supporter-page.presenter.js';
import { BadRequestError, pageNotFound } from '../../errors.js';

/**
 * A shopper's own page. The token in the path is the only key, so an unknown token gets exactly
 * the page any missing address gets. The forms need no CSRF token of their own: the secret token
 * is already in the form's URL, which another site cannot know, and same-origin checks the rest.
 */
/** Weeks a buyer's page shows in full; the rest are on the page that lists them all. */
const LATEST_WEEKS_SHOWN = 6;

/** A page showing camera photos lets the browser load images from their hosts, and no others. */
function allowPhotosOf(res: Response, weeks: FundedWeek[]): void {
  const hosts = new Set(weeks.flatMap((week) => (week.photo ? [week.photo.host] : [])));
  if (hosts.size > 0) res.setHeader('Content-Security-Policy', contentSecurityPolicy([...hosts]));
}

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
    const counts = countSupporterWeeks(ctx.db, impact.supporterId, impact.trapWeeks);
    const cameras = {
      counts,
      places: counts.allocated > 0 ? placesOfSupporter(ctx.db, impact.supporterId) : [],
      latest: counts.allocated > 0 ? latestSupporterWeeks(ctx.db, impact.supporterId, LATEST_WEEKS_SHOWN) : [],
    };
    allowPhotosOf(res, cameras.latest);
    res.render(
      'pages/impact',
      supporterPage(path(req.params.token), impact, cameras, latestCensus(), parseNotice(req.query.done)),
    );
  });

  router.get('/impact/:token/weeks', privatePage(), (req: Request<{ token: string }>, res: Response) => {
    const impact = findSupporterImpact(ctx.db, req.params.token);
    if (!impact) throw pageNotFound();
    const weeks = findSupporterCameraWeeks(ctx.db, impact.supporterId, impact.trapWeeks);
    allowPhotosOf(res, weeks.weeks);
    res.render('pages/impact-weeks', supporterWeeksPage(path(req.params.token), weeks));
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
