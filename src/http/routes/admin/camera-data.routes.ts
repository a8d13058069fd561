import path from 'node:path';
import { dataDirectoryOf } from '../../../config.js';
import type { Request, Response } from 'express';
import type { AppContext } from '../../../context.js';
import {
  findImport,
  listDeployments,
  listImports,
  listProjects,
  readBacklog,
} from '../../../camtrap/camera-data.queries.js';
import { saveProjectSettings } from '../../../camtrap/project-settings.js';
import { NotFoundError } from '../../../errors.js';
import { formatNumber } from '../../../lib/format.js';
import { csrfFailed, isCsrfTokenValid } from '../../middleware/staff-session.js';
import { receivePackageUpload } from '../../package-upload.js';
import {
  backlogView,
  deploymentRowView,
  importDetailView,
  importJobView,
  importRowView,
  projectRowView,
} from '../../presenters/admin/camera-data.presenter.js';
import { actorOf } from '../../presenters/admin/staff.presenter.js';
import {
  type AdminRoutes,
  formValues,
  idParam,
  keepFormOnRefusal,
  recordId,
  type RefusedForm,
  typedOr,
} from './admin-router.js';

const IMPORTS_PAGE = 20;
const DEPLOYMENTS_PAGE = 100;

/** The park's camera-trap data: imports (upload, progress, reports), projects and their deployments. */
export function cameraDataRoutes(routes: AdminRoutes, ctx: AppContext): void {
  overviewRoutes(routes, ctx);
  importRoutes(routes, ctx);
  projectRoutes(routes, ctx);
}

function overviewRoutes(routes: AdminRoutes, ctx: AppContext): void {
  routes.get('/admin/camera-data', 'staff', (req, res) => {
    const imports = listImports(ctx.db, { beforeId: idParam(req.query.before), limit: IMPORTS_PAGE });
    const running = ctx.camtrapImports.running;
    res.render('pages/admin/camera-data', {
      title: 'Camera data',
      backlog: backlogView(readBacklog(ctx.db)),
      projects: listProjects(ctx.db).map(projectRowView),
      imports: imports.map(importRowView),
      olderUrl: imports.length === IMPORTS_PAGE ? `/admin/camera-data?before=${imports.at(-1)!.id}` : null,
      running: running && { url: `/admin/camera-data/uploads/${running.id}`, ...importJobView(running) },
      uploadLimit: `${formatNumber(Math.round(ctx.config.camtrapUploadMaxBytes / 1_048_576))} MB`,
    });
  });
}

function importRoutes(routes: AdminRoutes, ctx: AppContext): void {
  routes.upload('/admin/camera-data/imports', 'staff', async (req, res) => {
    ctx.camtrapImports.assertIdle(); // before reading a byte of the upload
    const upload = await receivePackageUpload(req, res, {
      uploadsDir: path.join(dataDirectoryOf(ctx.config.databasePath), 'camtrap-uploads'),
      maxBytes: ctx.config.camtrapUploadMaxBytes,
      isCsrfValid: (token) => isCsrfTokenValid(ctx, req, token),
      csrfFailed,
    });
    const job = ctx.camtrapImports.start({
      location: upload.location,
      sourceName: upload.sourceName,
      actor: actorOf(req),
      uploadDir: upload.dir,
    });
    res.redirect(303, `/admin/camera-data/uploads/${job.id}`);
  });

  routes.get('/admin/camera-data/uploads/:id', 'staff', (req, res) => {
    const job = ctx.camtrapImports.find(req.params.id as string);
    if (!job) throw new NotFoundError('not_found', 'There is no such upload (the server may have restarted since).');
    if (job.importId !== undefined) return res.redirect(303, `/admin/camera-data/imports/${job.importId}`);
    res.render('pages/admin/camera-upload', importJobView(job));
  });

  routes.get('/admin/camera-data/imports/:id', 'staff', (req, res) => {
    const detail = findImport(ctx.db, recordId(req.params.id, 'There is no such import.'));
    if (!detail) throw new NotFoundError('not_found', 'There is no such import.');
    res.render('pages/admin/camera-import', importDetailView(detail));
  });
}

function projectRoutes(routes: AdminRoutes, ctx: AppContext): void {
  const projectOf = (id: unknown) => {
    const project = listProjects(ctx.db, recordId(id, 'There is no such camera-trap project.'))[0];
    if (!project) throw new NotFoundError('not_found', 'There is no such camera-trap project.');
    return project;
  };

  const renderProject = (req: Request, res: Response, form: RefusedForm | null) => {
    const project = projectOf(req.params.id);
    const rows = listDeployments(ctx.db, project, { afterId: idParam(req.query.after), limit: DEPLOYMENTS_PAGE });
    const saved = { coordinatePolicy: project.coordinatePolicy, photoHosts: project.photoHosts.join('\n') };
    res.render('pages/admin/camera-project', {
      title: project.title,
      project: projectRowView(project),
      settings: { action: `/admin/camera-data/projects/${project.id}`, ...typedOr(form, saved) },
      form: form ?? { values: {}, error: null },
      deployments: rows.map(deploymentRowView),
      showsLocation: project.coordinatePolicy === 'rounded',
      nextUrl:
        rows.length === DEPLOYMENTS_PAGE ? `/admin/camera-data/projects/${project.id}?after=${rows.at(-1)!.id}` : null,
    });
  };
  routes.get('/admin/camera-data/projects/:id', 'staff', (req, res) => renderProject(req, res, null));

  routes.post('/admin/camera-data/projects/:id', 'admin', (req, res) => {
    const id = recordId(req.params.id, 'There is no such camera-trap project.');
    const values = formValues(req.body, ['coordinatePolicy', 'photoHosts']);
    keepFormOnRefusal(
      res,
      values,
      () => {
        saveProjectSettings(
          ctx.db,
          id,
          { coordinatePolicy: values.coordinatePolicy!, photoHosts: values.photoHosts! },
          actorOf(req),
          ctx.clock.now(),
        );
        res.redirect(303, `/admin/camera-data/projects/${id}`);
      },
      (form) => renderProject(req, res, form),
    );
  });
}
