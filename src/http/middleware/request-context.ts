import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from '../../lib/logger.js';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      id: string;
      log: Logger;
    }
  }
}

const SAFE_ID = /^[A-Za-z0-9._-]{8,64}$/;

/** Gives each request an id (a sane incoming X-Request-Id is kept) and logs one line when it ends. */
export function requestContext(logger: Logger) {
  return (req: Request, res: Response, next: NextFunction) => {
    const incoming = req.get('x-request-id');
    req.id = incoming && SAFE_ID.test(incoming) ? incoming : randomUUID();
    req.log = logger.child({ requestId: req.id });
    res.setHeader('X-Request-Id', req.id);
    if (!logger.isEnabled('info')) return next();
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      req.log.info('request', {
        method: req.method,
        path: loggablePath(req),
        status: res.statusCode,
        ms: Math.round(ms * 10) / 10,
      });
    });
    next();
  };
}

/** Paths that hold a shopper's private token right after their prefix; routes match them in any case. */
const TOKEN_PATH = /^\/(impact|unsubscribe|api\/supporters)\/[^/]+/i;
/** A path segment long and random enough to be a secret (a token is 32 characters). */
const SECRET_LIKE_SEGMENT = /^[A-Za-z0-9_-]{20,}$/;

/**
 * The path as it may appear in a log line: the route's own pattern when a route matched
 * (`/impact/:token`), so no token, id or query string is ever written. A path no route matched (a
 * 404, a mistyped link) keeps its shape, with anything in a token's place, and any segment that
 * looks like a secret, replaced.
 */
export function loggablePath(req: Request): string {
  const pattern: unknown = req.route?.path;
  if (typeof pattern === 'string') return `${req.baseUrl}${pattern}`;
  return req.path
    .replace(TOKEN_PATH, (_match, prefix: string) => `/${prefix.toLowerCase()}/:token`)
    .split('/')
    .map((segment) => (SECRET_LIKE_SEGMENT.test(segment) ? ':redacted' : segment))
    .join('/');
}
