import type { AppContext } from '../../../context.js';
import { auditCsv, auditCursor, listAudit, type AuditSearch } from '../../../staff/audit-log.js';
import { isTwoFactorRequiredForAdmins, setTwoFactorRequiredForAdmins } from '../../../staff/console-settings.js';
import { resetTwoFactor } from '../../../staff/two-factor.js';
import { createStaff, updateStaff } from '../../../staff/manage-staff.js';
import { listStaff } from '../../../staff/staff.queries.js';
import { actorOf, auditView } from '../../presenters/admin/staff.presenter.js';
import { type AdminRoutes, field, recordId } from './admin-router.js';
import { listPageView } from '../../presenters/admin/list-page.presenter.js';
import { streamCsv } from '../../write-chunks.js';
import { listParam, readListQuery, type ListSpec, type Query } from './list-query.js';

const AUDIT_PAGE = 50;
const AUDIT_LIST: ListSpec<'at'> = {
  path: '/admin/audit',
  defaultSort: 'at',
  sorts: { at: { label: 'When (UTC)', lower: 'Older', higher: 'Newer' } },
};

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
    const { q, search } = readAuditQuery(req.query);
    const page = listAudit(ctx.db, search, q.start, AUDIT_PAGE);
    res.render('pages/admin/audit', {
      title: 'Audit log',
      entries: page.rows.map(auditView),
      list: listPageView(AUDIT_LIST, q, page, auditCursor),
    });
  });

  routes.get('/admin/audit.csv', 'staff', async (req, res) => {
    await streamCsv(res, 'audit.csv', auditCsv(ctx.db, readAuditQuery(req.query).search));
  });
}

function readAuditQuery(query: Query) {
  const notes: string[] = [];
  const actor = listParam(query, 'actor', notes);
  const action = listParam(query, 'action', notes);
  const q = readListQuery(query, AUDIT_LIST, { actor, action }, notes);
  const search: AuditSearch = { actor: actor || undefined, action: action || undefined, direction: q.direction };
  return { q, search };
}
