import { createHmac, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { AppContext } from '../../context.js';
import { AppError } from '../../errors.js';
import { findSessionStaff, newSessionId } from '../../staff/sessions.js';
import type { StaffMember, StaffRole } from '../../staff/staff.queries.js';
import { assetUrl } from '../routes/assets.routes.js';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** The signed-in staff member, on /admin routes. */
      staff?: StaffMember;
      /** The browser's session id: signed in or not, it keys the CSRF token. */
      staffSessionId?: string;
    }
  }
}

const COOKIE = 'socks_staff';

/**
 * The staff session cookie: a random id signed with SESSION_SECRET, HttpOnly, SameSite=Lax, Secure
 * in production, sent only to /admin. A browser without a signed-in session still gets an id, so
 * the sign-in form has a CSRF token too; signing in always issues a new id.
 */
export function sessionCookie(ctx: AppContext) {
  const secret = ctx.config.secrets.sessionSecret;
  const isSecure = ctx.config.env === 'production';
  return {
    set(res: Response, sessionId: string): void {
      res.cookie(COOKIE, `${sessionId}.${sign(secret, `session|${sessionId}`)}`, { httpOnly: true, sameSite: 'lax', secure: isSecure, path: '/admin' });
    },
    read(req: Request): string | null {
      const raw = readCookie(req.get('cookie'), COOKIE);
      const dot = raw?.lastIndexOf('.') ?? -1;
      if (!raw || dot < 1) return null;
      const id = raw.slice(0, dot);
      return isEqual(raw.slice(dot + 1), sign(secret, `session|${id}`)) ? id : null;
    },
  };
}

/** Loads the session on every /admin request and marks the response private. */
export function staffSession(ctx: AppContext) {
  const cookie = sessionCookie(ctx);
  const secret = ctx.config.secrets.sessionSecret;
  const stylesheet = adminStylesheet();
  return (req: Request, res: Response, next: NextFunction) => {
    let id = cookie.read(req);
    if (id) req.staff = findSessionStaff(ctx.db, id, ctx.clock.now());
    if (!id) {
      id = newSessionId();
      cookie.set(res, id);
    }
    req.staffSessionId = id;
    res.locals.csrfToken = csrfTokenFor(secret, id);
    res.locals.adminStylesheetUrl = stylesheet;
    res.locals.signedIn = req.staff ? { email: req.staff.email, name: req.staff.name, role: req.staff.role, isAdmin: req.staff.role === 'admin' } : null;
    res.locals.noindex = true;
    res.set({ 'Cache-Control': 'no-store', 'X-Robots-Tag': 'noindex, nofollow' });
    next();
  };
}

export type RoleGuard = ((req: Request, res: Response, next: NextFunction) => void) & { role: StaffRole };

/**
 * Lets the request through only for a signed-in member with the role (admins may do what staff do).
 * Carries its role, so a test can check that every console route declares one.
 */
export function requireRole(role: StaffRole): RoleGuard {
  const guard = (req: Request, res: Response, next: NextFunction) => {
    if (!req.staff) {
      if (req.method === 'GET' || req.method === 'HEAD') return res.redirect(303, `/admin/login?next=${encodeURIComponent(req.originalUrl)}`);
      return next(new AppError(401, 'sign_in_required', 'Please sign in to the staff console.'));
    }
    if (role === 'admin' && req.staff.role !== 'admin') return next(new AppError(403, 'admins_only', 'Only admins can do this.'));
    next();
  };
  return Object.assign(guard, { role });
}

/** Every form carries `_csrf`, derived from the session id; a post without the right one changes nothing. */
export function verifyCsrf(ctx: AppContext) {
  const secret = ctx.config.secrets.sessionSecret;
  return (req: Request, _res: Response, next: NextFunction) => {
    const sent = (req.body as Record<string, unknown> | undefined)?._csrf;
    if (typeof sent === 'string' && req.staffSessionId && isEqual(sent, csrfTokenFor(secret, req.staffSessionId))) return next();
    next(new AppError(403, 'csrf_failed', 'This form has expired or did not come from the console. Go back, reload the page and try again.'));
  };
}

function csrfTokenFor(secret: string, sessionId: string): string {
  return sign(secret, `csrf|${sessionId}`);
}

function sign(secret: string, value: string): string {
  return createHmac('sha256', secret).update(value).digest('base64url');
}

function isEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

function readCookie(header: string | undefined, name: string): string | null {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return null;
}

function adminStylesheet(): string | null {
  try {
    return assetUrl('admin.css');
  } catch {
    return null;
  }
}
