import type { Request, Response } from 'express';
import type { AppContext } from '../../../context.js';
import { auditCsv, auditCursor, listAudit, type AuditSearch } from '../../../staff/audit-log.js';
import { isTwoFactorRequiredForAdmins, setTwoFactorRequiredForAdmins } from '../../../staff/console-settings.js';
import { resetTwoFactor } from '../../../staff/two-factor.js';
import { createStaff, updateStaff } from '../../../staff/manage-staff.js';
import { listStaff } from '../../../staff/staff.queries.js';
import { actorOf, auditView, staffRowView } from '../../presenters/admin/staff.presenter.js';
import {
  type AdminRoutes,
  field,
  formValues,
  keepFormOnRefusal,
  recordId,
  refusedIn,
  type RefusedForm,
  typedOr,
} from './admin-router.js';
import { listPageView } from '../../presenters/admin/list-page.presenter.js';
import { streamCsv } from '../../write-chunks.js';
import { listParam, readListQuery, type ListSpec, type Query } from './list-query.js';

type Values = Record<string, string>;

const AUDIT_PAGE = 50;
const AUDIT_LIST: ListSpec<'at'> = {
  path: '/admin/audit',
  defaultSort: 'at',
  sorts: { at: { label: 'When (UTC)', lower: 'Older', higher: 'Newer' } },
};

/** Staff accounts (admins only) and the audit log (everyone: staff can read it, nobody can edit it). */
export function accountsRoutes(routes: AdminRoutes, ctx: AppContext): void {
  const renderStaff = (res: Response, form: RefusedForm | null) => {
    res.render('pages/admin/staff', {
      title: 'Staff accounts',
      members: listStaff(ctx.db).map((member) => staffRowView(member, typedOr(form, {}, member.id))),
      isTwoFactorRequired: isTwoFactorRequiredForAdmins(ctx.db),
      form: form ?? { values: {}, error: null },
      newMember: typedOr(form, { role: 'staff' }),
    });
  };
  /** Runs a change made from a member's row: a refusal comes back beside that row's field. */
  const changeRow = (req: Request, res: Response, names: string[], change: (id: number, values: Values) => void) => {
    const id = recordId(req.params.id, 'There is no such staff account.');
    const values = formValues(req.body, names);
    return keepFormOnRefusal(
      res,
      values,
      () => {
        change(id, values);
        res.redirect(303, '/admin/staff');
      },
      (form) => renderStaff(res, refusedIn(form, id)),
    );
  };

  routes.get('/admin/staff', 'admin', (_req, res) => renderStaff(res, null));

  routes.post('/admin/staff/:id/two-factor/reset', 'admin', (req, res) =>
    changeRow(req, res, ['reason'], (id, values) =>
      resetTwoFactor(ctx.db, id, values.reason!, actorOf(req), ctx.clock.now()),
    ),
  );

  routes.post('/admin/settings/two-factor', 'admin', (req, res) => {
    setTwoFactorRequiredForAdmins(ctx.db, field(req.body, 'required') === 'true', actorOf(req), ctx.clock.now());
    res.redirect(303, '/admin/staff');
  });

  routes.post('/admin/staff', 'admin', (req, res) => {
    // The password is never sent back: a refused form asks for it again.
    const values = formValues(req.body, ['email', 'name', 'role']);
    return keepFormOnRefusal(
      res,
      values,
      async () => {
        const input = {
          email: values.email!,
          name: values.name!,
          role: values.role!,
          password: String(req.body?.password ?? ''),
        };
        await createStaff(ctx.db, input, actorOf(req), () => ctx.clock.now());
        res.redirect(303, '/admin/staff');
      },
      (form) => renderStaff(res, form),
    );
  });

  routes.post('/admin/staff/:id', 'admin', (req, res) =>
    changeRow(req, res, ['role', 'isActive'], (id, values) =>
      updateStaff(
        ctx.db,
        id,
        { role: values.role!, isActive: values.isActive === 'true' },
        actorOf(req),
        ctx.clock.now(),
      ),
    ),
  );

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
