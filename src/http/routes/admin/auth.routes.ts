import type { Router } from 'express';
import type { AppContext } from '../../../context.js';
import {
  dismissSignInNotice,
  endSession,
  findSignInAwaitingSecondFactor,
  newSessionId,
} from '../../../staff/sessions.js';
import { completeSignIn, signIn } from '../../../staff/sign-in.js';
import { sameOrigin } from '../../middleware/same-origin.js';
import { deviceCookie, sessionCookie, verifyCsrf } from '../../middleware/staff-session.js';
import { field, type AdminRoutes } from './admin-router.js';
import { TooManyRequestsError } from '../../../errors.js';

/**
 * Sign-in is the one console page open to everyone. Its form needs only `email` and `password`
 * (docs/domain.md), so a script can sign in without fetching the form first: a browser's cross-site
 * post is refused by the same-origin check (browsers mark every POST with Origin or
 * Sec-Fetch-Site), and attempts are throttled per account and client (src/staff/login-throttle.ts).
 */
export function authRoutes(router: Router, routes: AdminRoutes, ctx: AppContext): void {
  const cookie = sessionCookie(ctx);
  const device = deviceCookie(ctx);
  const title = 'Staff sign-in';

  router.get('/admin/login', (req, res) => {
    if (req.staff) return res.redirect(303, safeNext(req.query.next));
    res.render('pages/admin/login', { title, next: safeNext(req.query.next) });
  });

  router.post('/admin/login', sameOrigin(ctx.config.publicUrl), async (req, res) => {
    const email = field(req.body, 'email');
    const next = safeNext(field(req.body, 'next'));
    const password = typeof req.body?.password === 'string' ? (req.body.password as string) : '';
    const client = req.ip ?? 'unknown';
    const result = await signIn(ctx.db, { email, password, client, device: device.read(req) }, () => ctx.clock.now());
    if (result.status === 'throttled') throw tooManySignIns(result.retryAfterSeconds);
    if (result.status === 'refused') {
      return res.status(401).render('pages/admin/login', {
        title,
        email,
        next,
        error: 'That email and password do not match an active account.',
      });
    }
    cookie.set(res, result.sessionId);
    if (result.status === 'second_factor_due')
      return res.redirect(303, `/admin/login/code?next=${encodeURIComponent(next)}`);
    device.set(res, result.member.id, result.deviceId);
    res.redirect(303, next);
  });

  // The second step for members with two-factor sign-in. The browser's session awaits the code and
  // opens nothing else; its forms carry a CSRF token like any other.
  const codeTitle = 'Enter your sign-in code';
  router.get('/admin/login/code', (req, res) => {
    if (!findSignInAwaitingSecondFactor(ctx.db, req.staffSessionId!, ctx.clock.now()))
      return res.redirect(303, `/admin/login?next=${encodeURIComponent(safeNext(req.query.next))}`);
    res.render('pages/admin/login-code', { title: codeTitle, next: safeNext(req.query.next) });
  });

  router.post('/admin/login/code', sameOrigin(ctx.config.publicUrl), verifyCsrf(ctx), (req, res) => {
    const next = safeNext(field(req.body, 'next'));
    const input = {
      sessionId: req.staffSessionId!,
      code: typeof req.body?.code === 'string' ? (req.body.code as string) : '',
      client: req.ip ?? 'unknown',
      device: device.read(req),
    };
    const result = completeSignIn(ctx.db, input, () => ctx.clock.now());
    if (result.status === 'throttled') throw tooManySignIns(result.retryAfterSeconds);
    if (result.status === 'expired')
      return res.status(401).render('pages/admin/login', {
        title,
        next,
        error: 'That sign-in was not finished in time. Enter your email and password again.',
      });
    if (result.status !== 'signed_in')
      return res.status(401).render('pages/admin/login-code', {
        title: codeTitle,
        next,
        error: 'That code does not match, or has been used already. Enter the code your app shows now.',
      });
    cookie.set(res, result.sessionId);
    device.set(res, result.member.id, result.deviceId);
    res.redirect(303, next);
  });

  // The notice of failed sign-ins stays on every page of the session until the member has read it.
  routes.post('/admin/sign-in-notice/dismiss', 'self', (req, res) => {
    dismissSignInNotice(ctx.db, req.staffSessionId!);
    res.redirect(303, safeNext(field(req.body, 'returnTo')));
  });

  routes.post('/admin/logout', 'self', (req, res) => {
    endSession(ctx.db, req.staffSessionId!);
    cookie.set(res, newSessionId());
    res.redirect(303, '/admin/login');
  });
}

function tooManySignIns(retryAfterSeconds: number): TooManyRequestsError {
  return new TooManyRequestsError('too_many_sign_ins', 'Too many failed sign-ins. Please wait a while and try again.', {
    retryAfterSeconds,
  });
}

/** Only console paths: a sign-in link must not bounce anyone to another site. */
function safeNext(value: unknown): string {
  return typeof value === 'string' && /^\/admin(\/|$|\?)/.test(value) && !value.includes('//') && !value.includes('\\')
    ? value
    : '/admin';
}
