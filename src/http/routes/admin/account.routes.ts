import type { Request, Response } from 'express';
import type { AppContext } from '../../../context.js';
import { BadRequestError } from '../../../errors.js';
import { isTwoFactorRequiredFor } from '../../../staff/console-settings.js';
import { throttledCodeCheck } from '../../../staff/sign-in.js';
import {
  confirmEnrolment,
  recoveryCodesLeft,
  renewRecoveryCodes,
  startEnrolment,
  turnOffTwoFactor,
} from '../../../staff/two-factor.js';
import { deviceCookie } from '../../middleware/staff-session.js';
import { accountView } from '../../presenters/admin/staff.presenter.js';
import { field, type AdminRoutes } from './admin-router.js';

const TITLE = 'Your account';

/**
 * A member's own account: two-factor sign-in set up with a QR code drawn on the server, recovery
 * codes shown once, and turning it off. Open to every signed-in member ('self'), including one who
 * must set up a second factor before anything else.
 */
export function accountRoutes(routes: AdminRoutes, ctx: AppContext): void {
  const device = deviceCookie(ctx);

  const renderAccount = async (req: Request, res: Response, error?: string) => {
    const member = req.staff!;
    const enrolment = member.totpEnabledAt === null ? await startEnrolment(ctx.db, member.id) : null;
    res.status(error ? 400 : 200).render('pages/admin/account', {
      title: TITLE,
      ...accountView(member, enrolment, {
        codesLeft: recoveryCodesLeft(ctx.db, member.id),
        isRequired: isTwoFactorRequiredFor(ctx.db, member),
        mustSetUp: req.mustSetUpTwoFactor ?? false,
      }),
      error,
    });
  };

  /** Runs a change confirmed with a code; a wrong code shows the account page again with the reason. */
  const withCode = async (req: Request, res: Response, change: (code: string, now: number) => string[] | void) => {
    const now = ctx.clock.now();
    try {
      const codes = throttledCodeCheck(
        ctx.db,
        req.staff!,
        { client: req.ip ?? 'unknown', device: device.read(req) },
        now,
        () => change(field(req.body, 'code'), now),
      );
      if (!codes) return res.redirect(303, '/admin/account');
      res.render('pages/admin/recovery-codes', { title: 'Your recovery codes', codes });
    } catch (error) {
      if (!(error instanceof BadRequestError)) throw error;
      await renderAccount(req, res, error.message);
    }
  };

  routes.get('/admin/account', 'self', (req, res) => renderAccount(req, res));

  routes.post('/admin/account/two-factor', 'self', (req, res) =>
    withCode(req, res, (code, now) => confirmEnrolment(ctx.db, req.staff!.id, code, now)),
  );

  routes.post('/admin/account/recovery-codes', 'self', (req, res) =>
    withCode(req, res, (code, now) => renewRecoveryCodes(ctx.db, req.staff!.id, code, now)),
  );

  routes.post('/admin/account/two-factor/off', 'self', (req, res) =>
    withCode(req, res, (code, now) => turnOffTwoFactor(ctx.db, req.staff!.id, code, now)),
  );
}
