import type { RequestHandler, Response, Router } from 'express';
import type { AppContext } from '../../../context.js';
import { BadRequestError, NotFoundError } from '../../../errors.js';
import { isPeriod } from '../../../lib/months.js';
import { sameOrigin } from '../../middleware/same-origin.js';
import { requireRole, verifyCsrf, type RouteAccess } from '../../middleware/staff-session.js';

/**
 * The only way console routes are registered: every one names the role it needs, and every post
 * is checked for its origin and CSRF token before the handler runs.
 */
export interface AdminRoutes {
  get(path: string, role: RouteAccess, ...handlers: RequestHandler[]): void;
  post(path: string, role: RouteAccess, ...handlers: RequestHandler[]): void;
  /** A multipart post (a file upload): its origin is checked here; its CSRF token, the first field, by its reader. */
  upload(path: string, role: RouteAccess, ...handlers: RequestHandler[]): void;
}

export function adminRoutesOn(router: Router, ctx: AppContext): AdminRoutes {
  const origin = sameOrigin(ctx.config.publicUrl);
  const csrf = verifyCsrf(ctx);
  return {
    get: (path, role, ...handlers) => void router.get(path, requireRole(role), ...handlers),
    post: (path, role, ...handlers) => void router.post(path, requireRole(role), origin, csrf, ...handlers),
    upload: (path, role, ...handlers) => void router.post(path, requireRole(role), origin, ...handlers),
  };
}

/** A positive integer route or query parameter, or undefined. */
export function idParam(value: unknown): number | undefined {
  const n = typeof value === 'string' && /^\d{1,15}$/.test(value) ? Number(value) : NaN;
  return Number.isSafeInteger(n) && n > 0 ? n : undefined;
}

/** A route parameter naming a record by its id; any other value names nothing, and gets `missing` as a 404. */
export function recordId(value: unknown, missing: string): number {
  const id = idParam(value);
  if (!id) throw new NotFoundError('not_found', missing);
  return id;
}

/** A form field as a trimmed string ('' when absent). */
export function field(body: unknown, name: string): string {
  const value = (body as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' ? value.trim() : '';
}

/** The named form fields as trimmed strings ('' when absent): what a refused form shows again. */
export function formValues(body: unknown, names: string[]): Record<string, string> {
  return Object.fromEntries(names.map((name) => [name, field(body, name)]));
}

/** A query parameter as a string ('' when absent or repeated). */
export function queryParam(value: unknown): string {
  return typeof value === 'string' ? value.trim() : '';
}

/** A month route parameter (YYYY-MM); any other value names no page. */
export function monthParam(value: unknown): string {
  if (!isPeriod(value)) throw new NotFoundError('not_found', 'Months look like 2025-01.');
  return value;
}

/** A form shown again after a refusal: what was typed, and the reason with the field it is about. */
export interface RefusedForm {
  values: Record<string, string>;
  error: { message: string; field: string | null };
  /**
   * Which of a page's forms was refused, when it has several: a row's (a void, a reset: its id) or a
   * named one (`erase`). Its inputs' ids are `<field>-<scope>`.
   */
  scope?: number | string;
}

/**
 * The values a form on the page starts with: as typed when it is the refused one (`scope` names one
 * of several), else `fresh`. A page with several forms shows the refusal in its own form only.
 */
export function typedOr(
  form: RefusedForm | null,
  fresh: Record<string, string>,
  scope?: number | string,
): Record<string, string> {
  return form && form.scope === scope ? form.values : fresh;
}

/** The refusal of one of a page's several forms: its field becomes that form's input, `<field>-<scope>`. */
export function refusedIn(form: RefusedForm, scope: number | string): RefusedForm {
  const field = form.error.field && `${form.error.field}-${scope}`;
  return { ...form, scope, error: { ...form.error, field } };
}

/**
 * Makes a change from a form; when the use case refuses the input (a BadRequestError), the form's
 * page is shown again with a 400, the values as typed and the reason beside its field, instead of
 * the generic error page. Anything else goes on to the error handler. An async change gives back
 * its promise, for the handler to return.
 */
export function keepFormOnRefusal(
  res: Response,
  values: Record<string, string>,
  change: () => void | Promise<void>,
  showAgain: (form: RefusedForm) => void,
): void | Promise<void> {
  const refused = (error: unknown) => {
    if (!(error instanceof BadRequestError)) throw error;
    res.status(400);
    showAgain({ values, error: { message: error.message, field: error.field ?? null } });
  };
  try {
    const done = change();
    return done instanceof Promise ? done.catch(refused) : undefined;
  } catch (error) {
    refused(error);
  }
}
