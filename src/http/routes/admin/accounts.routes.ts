import type { AppContext } from '../../../context.js';
import { listAudit } from '../../../staff/audit-log.js';
import { isTwoFactorRequiredForAdmins, setTwoFactorRequiredForAdmins } from '../../../staff/console-settings.js';
import { resetTwoFactor } from '../../../staff/two-factor.js';
import { createStaff, updateStaff } from '../../../staff/manage-staff.js';
import { listStaff } from '../../../staff/staff.queries.js';
import { actorOf, auditView } from '../../presenters/admin/staff.presenter.js';
import { type AdminRoutes, field, idParam, recordId } from './admin-router.js';

const AUDIT_PAGE = 50;

/** Staff accounts (admins only) and the audit log (everyone: staff can read it, nobody can edit it). */
export function accountsRoutes(routes: AdminRoutes, ctx: AppContext): void {
  routes.get('/admin/staff', 'admin', (_req, res) => {
    res.render('pages/admin/staff', {
      title: 'Staff accounts',
      members: listStaff(ctx.db),
      isTwoFactorRequired: isTwoFactorRequiredForAdmins(ctx.db),
    });
  });

  routes.post('/admin/staff/:id/two-factor/reset', 'admin', (req, res) => {
    const id = recordId(req.params.id, 'There is no such staff account.');
    resetTwoFactor(ctx.db, id, field(req.body, 'reason'), actorOf(req), ctx.clock.now());
    res.redirect(303, '/admin/staff');
  });

  routes.post('/admin/settings/two-factor', 'admin', (req, res) => {
    setTwoFactorRequiredForAdmins(ctx.db, field(req.body, 'required') === 'true', actorOf(req), ctx.clock.now());
    res.redirect(303, '/admin/staff');
  });

  routes.post('/admin/staff', 'admin', async (req, res) => {
    const input = {
      email: field(req.body, 'email'),
      name: field(req.body, 'name'),
      role: field(req.body, 'role'),
      password: String(req.body?.password ?? ''),
    };
    await createStaff(ctx.db, input, actorOf(req), () => ctx.clock.now());
    res.redirect(303, '/admin/staff');
  });

  routes.post('/admin/staff/:id', 'admin', (req, res) => {
    const id = recordId(req.params.id, 'There is no such staff account.');
    updateStaff(
      ctx.db,
      id,
      { role: field(req.body, 'role'), isActive: field(req.body, 'isActive') === 'true' },
      actorOf(req),
      ctx.clock.now(),
    );
    res.redirect(303, '/admin/staff');
  });

  routes.get('/admin/audit', 'staff', (req, res) => {
    const beforeId = idParam(req.query.before);
    const entries = listAudit(ctx.db, { beforeId, limit: AUDIT_PAGE + 1 });
    const page = entries.slice(0, AUDIT_PAGE);
    res.render('pages/admin/audit', {
      title: 'Audit log',
      entries: page.map(auditView),
      olderUrl: entries.length > AUDIT_PAGE ? `/admin/audit?before=${page.at(-1)!.id}` : null,
    });
  });
}
