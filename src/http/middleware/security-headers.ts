import type { NextFunction, Request, Response } from 'express';

/**
 * No script at all, styles only from our own stylesheet, images only from us (the charts are
 * inline SVG drawn with presentation attributes, which CSP does not treat as inline style),
 * forms only to us, and no framing by anyone.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "style-src 'self'",
  "img-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

/** Headers every response carries. Routes meant for other sites (the badge, the JSON API) loosen CORP themselves. */
export function securityHeaders(opts: { isHttps: boolean }) {
  const headers: Record<string, string> = {
    'Content-Security-Policy': CONTENT_SECURITY_POLICY,
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'DENY', // for browsers that predate frame-ancestors
    // Private links carry their secret in the path: never hand a URL to anyone, not even ourselves.
    'Referrer-Policy': 'no-referrer',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
    'Permissions-Policy': 'camera=(), microphone=(), geolocation=(), payment=()',
  };
  if (opts.isHttps) headers['Strict-Transport-Security'] = 'max-age=31536000';
  const entries = Object.entries(headers);
  return (_req: Request, res: Response, next: NextFunction) => {
    for (const [name, value] of entries) res.setHeader(name, value);
    next();
  };
}

/** For a shopper's own pages: not cached by anyone, not indexed, not followed. */
export function privatePage() {
  return (_req: Request, res: Response, next: NextFunction) => {
    res.set({ 'Cache-Control': 'private, no-store', 'X-Robots-Tag': 'noindex, nofollow' });
    res.locals.noindex = true;
    next();
  };
}
