import type { NextFunction, Request, Response } from 'express';

/**
 * No script at all, styles only from our own stylesheet, images only from us (the charts are
 * inline SVG drawn with presentation attributes, which CSP does not treat as inline style) and,
 * on a page that shows camera photos, from the https hosts staff allowed for them; forms only to
 * us, and no framing by anyone.
 */
export function contentSecurityPolicy(imageHosts: readonly string[] = []): string {
  return [
    "default-src 'none'",
    "style-src 'self'",
    ["img-src 'self'", ...imageHosts.map((host) => `https://${host}`)].join(' '),
    "form-action 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
  ].join('; ');
}

export const CONTENT_SECURITY_POLICY = contentSecurityPolicy();

/**
 * Headers every response carries. Routes meant for other sites (the badge, the JSON API) loosen
 * CORP themselves. `isStrictTransport` (production, or an https PUBLIC_URL) adds HSTS: browsers
 * then refuse plain HTTP to this host for a year (they ignore the header on a plain-HTTP answer).
 */
export function securityHeaders(opts: { isStrictTransport: boolean }) {
  const headers: Record<string, string> = {
    'Content-Security-Policy': CONTENT_SECURITY_POLICY,
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'DENY', // for browsers that predate frame-ancestors
    // Never hand a URL to another site. Our own requests keep theirs, so a same-origin form post
    // carries a real Origin, even from a browser too old to send Sec-Fetch-Site (see sameOrigin).
    // Private pages, whose path is their secret, send none at all (privatePage).
    'Referrer-Policy': 'same-origin',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
    'Permissions-Policy': 'camera=(), microphone=(), geolocation=(), payment=()',
  };
  if (opts.isStrictTransport) headers['Strict-Transport-Security'] = 'max-age=31536000';
  const entries = Object.entries(headers);
  return (_req: Request, res: Response, next: NextFunction) => {
    for (const [name, value] of entries) res.setHeader(name, value);
    next();
  };
}

/**
 * For a shopper's own pages: not cached by anyone, not indexed, not followed, and no referrer at
 * all, not even to ourselves: the path is the secret. (A browser too old to send Sec-Fetch-Site
 * then posts these pages' forms with `Origin: null`; see sameOrigin's allowsNullOrigin.)
 */
export function privatePage() {
  return (_req: Request, res: Response, next: NextFunction) => {
    res.set({
      'Cache-Control': 'private, no-store',
      'X-Robots-Tag': 'noindex, nofollow',
      'Referrer-Policy': 'no-referrer',
    });
    res.locals.noindex = true;
    res.locals.isPrivate = true;
    next();
  };
}
