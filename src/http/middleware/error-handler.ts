import type { NextFunction, Request, Response } from 'express';
import { loggablePath } from './request-context.js';
import { AppError, pageNotFound, TooManyRequestsError } from '../../errors.js';

interface HttpishError {
  status?: number;
  statusCode?: number;
  type?: string;
  expose?: boolean;
}

const BODY_PARSER_ERRORS: Record<string, [number, string, string]> = {
  'entity.too.large': [413, 'body_too_large', 'The request body is too large.'],
  'parameters.too.many': [413, 'too_many_fields', 'The form has too many fields.'],
  'entity.parse.failed': [400, 'invalid_body', 'The request body could not be parsed.'],
  'encoding.unsupported': [415, 'unsupported_encoding', 'The request body encoding is not supported.'],
  'request.aborted': [400, 'request_aborted', 'The request was aborted.'],
};

/** The one place errors become responses: short JSON for API callers, a page for people. Never a stack trace. */
export function errorHandler() {
  return (error: unknown, req: Request, res: Response, _next: NextFunction) => {
    const { status, code, message } = describe(error);
    if (status >= 500) req.log.error('request failed', { error, path: loggablePath(req) });
    // Part of the answer has gone (a CSV download that failed half way): cut the connection, so the
    // client sees a failed download rather than a file that looks complete, or one that never ends.
    if (res.headersSent) return void res.destroy();
    // Error pages are never cached or indexed, pass on no referrer (the address may be a private
    // link gone wrong), and look the same whatever address produced them: an unknown private link
    // must be indistinguishable from any other missing page.
    res
      .status(status)
      .set({ 'Cache-Control': 'no-store', 'X-Robots-Tag': 'noindex, nofollow', 'Referrer-Policy': 'no-referrer' });
    if (status === 429 && error instanceof TooManyRequestsError)
      res.set('Retry-After', String(error.retryAfterSeconds));
    if (wantsJson(req)) {
      res.json({ error: { code, message } });
    } else {
      res.render('pages/error', {
        title: ERROR_TITLES[status] ?? (status >= 500 ? 'Something went wrong' : 'That did not work'),
        status,
        message,
        noindex: true,
        isPrivate: true,
      });
    }
  };
}

const ERROR_TITLES: Record<number, string> = {
  403: 'Not allowed from there',
  404: 'Page not found',
  429: 'Please slow down',
  500: 'Something went wrong',
};

export function notFound() {
  return (_req: Request, _res: Response, next: NextFunction) => next(pageNotFound());
}

function describe(error: unknown): { status: number; code: string; message: string } {
  if (error instanceof AppError) return { status: error.status, code: error.code, message: error.message };
  // A path the router cannot decode (a private link cut short at "%Z", say) names nothing we have:
  // it gets the same page as any other missing address.
  if (error instanceof URIError && (error as HttpishError).status === 400) return describe(pageNotFound());
  const e = error as HttpishError;
  const known = e?.type ? BODY_PARSER_ERRORS[e.type] : undefined;
  if (known) return { status: known[0], code: known[1], message: known[2] };
  const status = e?.status ?? e?.statusCode;
  if (status && status >= 400 && status < 500)
    return { status, code: 'bad_request', message: 'The request could not be handled.' };
  return { status: 500, code: 'internal_error', message: 'Something went wrong on our side. It has been logged.' };
}

function wantsJson(req: Request): boolean {
  return req.path.startsWith('/api/') || req.path.startsWith('/webhooks/') || req.accepts(['html', 'json']) === 'json';
}
