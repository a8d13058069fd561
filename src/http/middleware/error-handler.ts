import type { NextFunction, Request, Response } from 'express';
import { AppError } from '../../errors.js';

interface HttpishError {
  status?: number;
  statusCode?: number;
  type?: string;
  expose?: boolean;
}

const BODY_PARSER_ERRORS: Record<string, [number, string, string]> = {
  'entity.too.large': [413, 'body_too_large', 'The request body is too large.'],
  'entity.parse.failed': [400, 'invalid_body', 'The request body could not be parsed.'],
  'encoding.unsupported': [415, 'unsupported_encoding', 'The request body encoding is not supported.'],
  'request.aborted': [400, 'request_aborted', 'The request was aborted.'],
};

/** The one place errors become responses: short JSON for API callers, a page for people. Never a stack trace. */
export function errorHandler() {
  return (error: unknown, req: Request, res: Response, _next: NextFunction) => {
    const { status, code, message } = describe(error);
    if (status >= 500) req.log.error('request failed', { error, path: req.path });
    if (res.headersSent) return;
    res.status(status);
    if (wantsJson(req)) {
      res.json({ error: { code, message } });
    } else {
      res.render('pages/error', { title: status === 404 ? 'Page not found' : 'Something went wrong', status, message });
    }
  };
}

export function notFound() {
  return (_req: Request, _res: Response, next: NextFunction) => next(new AppError(404, 'not_found', 'There is nothing at this address.'));
}

function describe(error: unknown): { status: number; code: string; message: string } {
  if (error instanceof AppError) return { status: error.status, code: error.code, message: error.message };
  const e = error as HttpishError;
  const known = e?.type ? BODY_PARSER_ERRORS[e.type] : undefined;
  if (known) return { status: known[0], code: known[1], message: known[2] };
  const status = e?.status ?? e?.statusCode;
  if (status && status >= 400 && status < 500) return { status, code: 'bad_request', message: 'The request could not be handled.' };
  return { status: 500, code: 'internal_error', message: 'Something went wrong on our side. It has been logged.' };
}

function wantsJson(req: Request): boolean {
  return req.path.startsWith('/api/') || req.path.startsWith('/webhooks/') || req.accepts(['html', 'json']) === 'json';
}
