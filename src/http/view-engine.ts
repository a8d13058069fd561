import fs from 'node:fs';
import path from 'node:path';
import Handlebars from 'handlebars';
import { registerFormattingHelpers } from '../lib/format.js';
import { projectPath } from '../lib/project-root.js';

export const VIEWS_DIR = projectPath('views');

export interface Views {
  /** The Express view engine: `res.render('pages/x', data)`. */
  engine(file: string, options: object, callback: (error: unknown, html?: string) => void): void;
  /** The same rendering, at once: for pages rendered once and served to everyone (see PageCache). */
  render(view: string, data: object): string;
  /** One partial alone (`impact/cameras`), for a part of a page kept once rendered (see FragmentCache). */
  renderPartial(name: string, data: object): string;
}

/**
 * Handlebars: templates compiled once, partials from views/partials, every page wrapped in a
 * layout (views/layouts: the site's, or the console's). Helpers format; they never decide.
 */
export function createViews(viewsDir: string): Views {
  const hbs = Handlebars.create();
  registerFormattingHelpers(hbs);
  hbs.registerHelper('eq', (a: unknown, b: unknown) => a === b);
  // The id of a field in one of a page's several forms (a refusal names it so: refusedIn).
  hbs.registerHelper('fieldIn', (name: unknown, scope: unknown) => `${String(name)}-${String(scope)}`);
  registerPartials(hbs, path.join(viewsDir, 'partials'));
  const cache = new Map<string, Handlebars.TemplateDelegate>();
  const compile = (file: string) => {
    let template = cache.get(file);
    if (!template) {
      template = hbs.compile(fs.readFileSync(file, 'utf8'), { strict: false });
      cache.set(file, template);
    }
    return template;
  };
  // Pages are wrapped in layouts/main.hbs, or in the one they name (`layout: 'admin'`, the console's).
  const layoutFile = (name: unknown) => path.join(viewsDir, 'layouts', `${name === 'admin' ? 'admin' : 'main'}.hbs`);
  const renderFile = (file: string, data: Record<string, unknown>) =>
    compile(layoutFile(data.layout))({ ...data, body: compile(file)(data) });
  return {
    engine(file, options, callback) {
      let html: string;
      try {
        html = renderFile(file, options as Record<string, unknown>);
      } catch (error) {
        return callback(error);
      }
      callback(null, html);
    },
    render: (view, data) => renderFile(path.join(viewsDir, `${view}.hbs`), data as Record<string, unknown>),
    renderPartial: (name, data) => compile(path.join(viewsDir, 'partials', `${name}.hbs`))(data),
  };
}

function registerPartials(hbs: typeof Handlebars, dir: string, prefix = ''): void {
  if (!fs.existsSync(dir)) return;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) registerPartials(hbs, full, `${prefix}${entry.name}/`);
    else if (entry.name.endsWith('.hbs'))
      hbs.registerPartial(`${prefix}${entry.name.slice(0, -4)}`, fs.readFileSync(full, 'utf8'));
  }
}
