import type { NextFunction, Request, Response } from 'express';
import { ForbiddenError } from '../../errors.js';

/**
 * Refuses form posts that another site's page makes a browser send. Browsers mark every request
 * with Sec-Fetch-Site, and every POST with Origin; either is enough to tell. An old browser may send
 * neither but still send a Referer, which is then checked instead. A request with none of them
 * comes from something that is not a browser (curl, a mail provider's one-click unsubscribe), which
 * cannot be tricked into carrying someone else's intent, so it passes.
 *
 * `Origin: null` is what a browser without Sec-Fetch-Site sends from a page with no referrer (our
 * private pages), but also from a sandboxed frame on any site. `allowsNullOrigin` accepts it on
 * routes whose URL holds the shopper's secret token: another site cannot know that URL anyway.
 *
 * Mount it on the routes that need it, not app-wide: RFC 8058 one-click unsubscribe must accept
 * posts from anywhere.
 */
export function sameOrigin(publicUrl: string, opts: { allowsNullOrigin?: boolean } = {}) {
  const publicOrigin = new URL(publicUrl).origin;
  return (req: Request, _res: Response, next: NextFunction) => {
    if (isSameOrigin(req, publicOrigin, opts.allowsNullOrigin ?? false)) return next();
    next(
      new ForbiddenError(
        'cross_site_request',
        'This form can only be sent from our own pages. Please go back, reload the page and try again.',
      ),
    );
  };
}

function isSameOrigin(req: Request, publicOrigin: string, allowsNullOrigin: boolean): boolean {
  const site = req.get('sec-fetch-site');
  if (site) return site === 'same-origin' || site === 'none'; // "none": the person typed or bookmarked it
  const origin = req.get('origin') ?? req.get('referer');
  if (!origin) return true;
  if (origin === 'null') return allowsNullOrigin;
  if (origin === publicOrigin) return true;
  try {
    const url = new URL(origin);
    return url.origin === publicOrigin || url.host === req.get('host');
  } catch {
    return false; // "null" and other opaque origins
  }
}
