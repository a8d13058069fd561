import { createHmac, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { AppContext } from '../../context.js';
import { isTwoFactorRequiredFor } from '../../staff/console-settings.js';
import { findSession, newSessionId } from '../../staff/sessions.js';
import { consoleNavView } from '../presenters/admin/console-nav.presenter.js';
import { signInNoticeView } from '../presenters/admin/staff.presenter.js';
import type { StaffMember, StaffRole } from '../../staff/staff.queries.js';
import { assetUrl } from '../routes/assets.routes.js';
import { ForbiddenError, UnauthorizedError } from '../../errors.js';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** The signed-in staff member, on /admin routes. */
      staff?: StaffMember;
      /** The browser's session id: signed in or not, it keys the CSRF token. */
      staffSessionId?: string;
      /** The console requires a second factor of this member, who has none yet: only their account page opens. */
      mustSetUpTwoFactor?: boolean;
    }
  }
}

/** A value in a cookie, signed with SESSION_SECRET for one purpose: a session id signs nothing else. */
export interface SignedCookie {
  set(res: Response, value: string): void;
  read(req: Request): string | null;
}

/**
 * HttpOnly and SameSite=Lax always. Where the site is served over HTTPS the name carries the
 * `__Host-` prefix, which browsers accept only from this exact host, Secure and for the whole site
 * (so a neighbouring subdomain cannot plant one); otherwise the cookie is sent to /admin only, and
 * is Secure in production.
 */
function signedCookie(ctx: AppContext, baseName: string, purpose: string, maxAgeMs?: number): SignedCookie {
  const secret = ctx.config.secrets.sessionSecret;
  const isHttps = ctx.config.publicUrl.startsWith('https:');
  const name = isHttps ? `__Host-${baseName}` : baseName;
  const options = {
    httpOnly: true,
    sameSite: 'lax',
    secure: isHttps || ctx.config.env === 'production',
    path: isHttps ? '/' : '/admin',
    maxAge: maxAgeMs,
  } as const;
  return {
    set(res, value) {
      res.cookie(name, `${value}.${sign(secret, `${purpose}|${value}`)}`, options);
    },
    read(req) {
      const raw = readCookie(req.get('cookie'), name);
      const dot = raw?.lastIndexOf('.') ?? -1;
      if (!raw || dot < 1) return null;
      const value = raw.slice(0, dot);
      return isEqual(raw.slice(dot + 1), sign(secret, `${purpose}|${value}`)) ? value : null;
    },
  };
}

/**
 * The staff session cookie: a random id, signed. A browser without a signed-in session still gets
 * an id, so the sign-in form has a CSRF token too; signing in always issues a new id.
 */
export function sessionCookie(ctx: AppContext): SignedCookie {
  return signedCookie(ctx, 'socks_staff', 'session');
}

const DEVICE_COOKIE_MS = 365 * 24 * 60 * 60_000;

/**
 * The device cookie (OWASP): a browser that has signed in to an account holds one for it, so an
 * attacker's failures elsewhere never hold that browser back (see login-throttle.ts).
 */
export function deviceCookie(ctx: AppContext) {
  const cookie = signedCookie(ctx, 'socks_device', 'device', DEVICE_COOKIE_MS);
  return {
    set: (res: Response, staffId: number, deviceId: string) => cookie.set(res, `${staffId}.${deviceId}`),
    read(req: Request): { staffId: number; deviceId: string } | null {
      const value = cookie.read(req);
      const dot = value?.indexOf('.') ?? -1;
      if (!value || dot < 1) return null;
      const staffId = Number(value.slice(0, dot));
      return Number.isSafeInteger(staffId) ? { staffId, deviceId: value.slice(dot + 1) } : null;
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
    const session = id ? findSession(ctx.db, id, ctx.clock.now()) : undefined;
    req.staff = session?.member;
    req.mustSetUpTwoFactor =
      !!req.staff && req.staff.totpEnabledAt === null && isTwoFactorRequiredFor(ctx.db, req.staff);
    res.locals.signInNotice = session?.signInNotice ? signInNoticeView(session.signInNotice, req.originalUrl) : null;
    if (!id) {
      id = newSessionId();
      cookie.set(res, id);
    }
    req.staffSessionId = id;
    res.locals.csrfToken = csrfTokenFor(secret, id);
    res.locals.adminStylesheetUrl = stylesheet;
    res.locals.signedIn = req.staff
      ? { email: req.staff.email, name: req.staff.name, role: req.staff.role, isAdmin: req.staff.role === 'admin' }
      : null;
    res.locals.noindex = true;
    res.locals.layout = 'admin';
    res.locals.environmentName = ctx.config.env === 'production' ? null : ctx.config.env;
    // Members still setting up a required second factor see no links they could not follow.
    res.locals.consoleNav =
      req.staff && !req.mustSetUpTwoFactor ? consoleNavView(req.originalUrl.split('?')[0]!, req.staff.role) : null;
    res.set({ 'Cache-Control': 'no-store', 'X-Robots-Tag': 'noindex, nofollow' });
    next();
  };
}

/**
 * Who a console route is for: a role (admins may do what staff do), or `self`: any signed-in
 * member, about their own account, even one who must still set up a required second factor.
 */
export type RouteAccess = StaffRole | 'self';

export type RoleGuard = ((req: Request, res: Response, next: NextFunction) => void) & { role: RouteAccess };

/**
 * Lets the request through only for a signed-in member with the role. Carries its role, so a test
 * can check that every console route declares one.
 */
export function requireRole(role: RouteAccess): RoleGuard {
  const guard = (req: Request, res: Response, next: NextFunction) => {
    const isRead = req.method === 'GET' || req.method === 'HEAD';
    if (!req.staff) {
      if (isRead) return res.redirect(303, `/admin/login?next=${encodeURIComponent(req.originalUrl)}`);
      return next(new UnauthorizedError('sign_in_required', 'Please sign in to the staff console.'));
    }
    if (req.mustSetUpTwoFactor && role !== 'self') {
      if (isRead) return res.redirect(303, '/admin/account');
      return next(new ForbiddenError('two_factor_required', 'Set up two-factor sign-in on your account page first.'));
    }
    if (role === 'admin' && req.staff.role !== 'admin')
      return next(new ForbiddenError('admins_only', 'Only admins can do this.'));
    next();
  };
  return Object.assign(guard, { role });
}

/** Every form carries `_csrf`, derived from the session id; a post without the right one changes nothing. */
export function verifyCsrf(ctx: AppContext) {
  return (req: Request, _res: Response, next: NextFunction) => {
    const sent = (req.body as Record<string, unknown> | undefined)?._csrf;
    next(isCsrfTokenValid(ctx, req, sent) ? undefined : csrfFailed());
  };
}

/** Whether `sent` is this session's form token: for forms read as a stream (uploads), field by field. */
export function isCsrfTokenValid(ctx: AppContext, req: Request, sent: unknown): boolean {
  const secret = ctx.config.secrets.sessionSecret;
  return typeof sent === 'string' && !!req.staffSessionId && isEqual(sent, csrfTokenFor(secret, req.staffSessionId));
}

export function csrfFailed(): ForbiddenError {
  return new ForbiddenError(
    'csrf_failed',
    'This form has expired or did not come from the console. Go back, reload the page and try again.',
  );
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
