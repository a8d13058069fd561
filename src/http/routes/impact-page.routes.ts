import { Router, type Request, type Response } from 'express';
import { latestPublishedCensus } from '../../census/census.queries.js';
import type { AppContext } from '../../context.js';
import {
  findSupporterCameraWeeks,
  latestSupporterWeeks,
  leopardVisitsOf,
  placementOf,
  placesOfSupporter,
  type FundedWeek,
  type Placement,
} from '../../camtrap/supporter-weeks.js';
import type { Db } from '../../db/client.js';
import { FragmentCache } from '../fragment-cache.js';
import type { Views } from '../view-engine.js';
import { findSupporterImpact } from '../../supporters/supporter-impact.js';
import { replaceSupporterLink, setMonthlyEmail } from '../../supporters/supporter-settings.js';
import { PageCache } from '../page-cache.js';
import { sameOrigin } from '../middleware/same-origin.js';
import { contentSecurityPolicy, privatePage } from '../middleware/security-headers.js';
import { censusView } from '../presenters/home.presenter.js';
import { camerasView, parseNotice, supporterPage, supporterWeeksPage } from '../presenters/supporter-page.presenter.js';
import { BadRequestError, pageNotFound } from '../../errors.js';

/**
 * A shopper's own page. The token in the path is the only key, so an unknown token gets exactly
 * the page any missing address gets. The forms need no CSRF token of their own: the secret token
 * is already in the form's URL, which another site cannot know, and same-origin checks the rest.
 */
/** Weeks a buyer's page shows in full; the rest are on the page that lists them all. */
const LATEST_WEEKS_SHOWN = 6;
/** Buyers' camera sections kept rendered (a few kilobytes each). */
const CAMERA_SECTIONS_KEPT = 2000;

interface CameraSection {
  html: string;
  photoHosts: string[];
}

/**
 * A buyer's weeks on the park's cameras as their page shows them: the places, the latest weeks in
 * full, what waits. Reading these touches every camera-week the buyer holds, spread over the park's
 * data, so the rendered section is kept under the placement's version (see placementOf): the next
 * visit costs one statement over the buyer's own allocations.
 */
function cameraSection(
  db: Db,
  views: Views,
  supporterId: number,
  placement: Placement,
  pagePath: string,
): CameraSection {
  const hasWeeks = placement.allocated > 0;
  const latest = hasWeeks ? latestSupporterWeeks(db, supporterId, LATEST_WEEKS_SHOWN) : [];
  const view = camerasView(
    {
      counts: { ...placement, leopardVisits: hasWeeks ? leopardVisitsOf(db, supporterId) : 0 },
      places: hasWeeks ? placesOfSupporter(db, supporterId) : [],
      latest,
    },
    `${pagePath}/weeks`,
  );
  return { html: views.renderPartial('impact/cameras', view), photoHosts: photoHostsOf(latest) };
}

function photoHostsOf(weeks: FundedWeek[]): string[] {
  return [...new Set(weeks.flatMap((week) => (week.photo ? [week.photo.host] : [])))];
}

/** A page showing camera photos lets the browser load images from their hosts, and no others. */
function allowPhotosFrom(res: Response, hosts: string[]): void {
  if (hosts.length > 0) res.setHeader('Content-Security-Policy', contentSecurityPolicy(hosts));
}

export function impactPageRoutes(ctx: AppContext, views: Views, publicData: PageCache): Router {
  const router = Router();
  const cameraSections = new FragmentCache<CameraSection>(CAMERA_SECTIONS_KEPT);
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
    const pagePath = path(req.params.token);
    const placement = placementOf(ctx.db, impact.supporterId, impact.trapWeeks);
    const cameras = cameraSections.get(`${pagePath}|${placement.version}`, () =>
      cameraSection(ctx.db, views, impact.supporterId, placement, pagePath),
    );
    allowPhotosFrom(res, cameras.photoHosts);
    res.render('pages/impact', {
      ...supporterPage(pagePath, impact, latestCensus(), parseNotice(req.query.done)),
      cameraSection: cameras.html,
    });
  });

  router.get('/impact/:token/weeks', privatePage(), (req: Request<{ token: string }>, res: Response) => {
    const impact = findSupporterImpact(ctx.db, req.params.token);
    if (!impact) throw pageNotFound();
    const weeks = findSupporterCameraWeeks(ctx.db, impact.supporterId, impact.trapWeeks);
    allowPhotosFrom(res, photoHostsOf(weeks.weeks));
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
      if (!setMonthlyEmail(ctx.db, req.params.token, choice === 'on', ctx.clock.now())) throw pageNotFound();
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
