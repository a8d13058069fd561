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
      // The path only: query strings and private tokens in paths stay out of logs.
      req.log.info('request', { method: req.method, path: redactPath(req.path), status: res.statusCode, ms: Math.round(ms * 10) / 10 });
    });
    next();
  };
}

function redactPath(path: string): string {
  return path.replace(/^\/(impact|unsubscribe|api\/supporters)\/[^/]+/, '/$1/:token');
}
