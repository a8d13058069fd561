import { Router, type NextFunction, type Request, type Response } from 'express';
import type { AppContext } from '../../context.js';
import { clientKey, RateLimiter, type RateLimit } from '../../lib/rate-limiter.js';
import { normaliseEmail } from '../../lib/email-address.js';
import { sameOrigin } from '../middleware/same-origin.js';
import { TooManyRequestsError, tryAgainIn } from '../../errors.js';

export interface LookupLimits {
  /** Links sent to one address: enough to retry a lost email, too few to flood someone's inbox. */
  perAddress: RateLimit;
  /** Attempts from one client address, whatever email they type. */
  perClient: RateLimit;
}

const LOOKUP_LIMITS: LookupLimits = {
  perAddress: { limit: 3, windowMs: 60 * 60_000, maxKeys: 50_000 },
  perClient: { limit: 10, windowMs: 15 * 60_000, maxKeys: 50_000 },
};

const TITLE = 'Get your own impact link';

/**
 * "Email me my link". Every well-formed request gets the same page, whether or not we know the
 * address and whether or not its own limit was reached, and the lookup itself runs away from the
 * request (ImpactLinkQueue), so neither the words nor the timing tell anyone who our supporters are.
 */
export function lookupRoutes(ctx: AppContext): Router {
  const router = Router();
  const perClient = new RateLimiter(LOOKUP_LIMITS.perClient, ctx.clock);
  const perAddress = new RateLimiter(LOOKUP_LIMITS.perAddress, ctx.clock);

  const limitClients = (req: Request, _res: Response, next: NextFunction) => {
    const decision = perClient.hit(clientKey(req.ip));
    next(
      decision.isAllowed
        ? undefined
        : new TooManyRequestsError('too_many_requests', tryAgainIn(decision.retryAfterSeconds), {
            retryAfterSeconds: decision.retryAfterSeconds,
          }),
    );
  };

  router.get('/impact/lookup', (_req, res) => {
    res.render('pages/lookup', { title: TITLE });
  });

  // Where every accepted request lands (post, then redirect): reloading it never posts again.
  router.get('/impact/lookup/sent', (_req, res) => {
    res.render('pages/lookup-sent', { title: 'Check your inbox' });
  });

  router.post('/impact/lookup', sameOrigin(ctx.config.publicUrl), limitClients, (req, res) => {
    const raw = typeof req.body?.email === 'string' ? req.body.email : '';
    const email = normaliseEmail(raw);
    if (!email) {
      res.status(400).render('pages/lookup', {
        title: `Error: ${TITLE}`,
        email: raw.slice(0, 254),
        error: 'Please enter the email address you used at checkout, like name@example.org.',
      });
      return;
    }
    // The same work for every address, known or not: the lookup itself happens later (ImpactLinkQueue).
    if (perAddress.hit(email).isAllowed) ctx.linkRequests.add({ email, requestKey: req.id });
    res.redirect(303, '/impact/lookup/sent');
  });

  return router;
}
