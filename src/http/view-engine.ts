import fs from 'node:fs';
import path from 'node:path';
import Handlebars from 'handlebars';
import { projectPath } from '../lib/project-root.js';

export const VIEWS_DIR = projectPath('views');

/**
 * Handlebars for Express: templates compiled once, partials from views/partials, every page
 * wrapped in views/layouts/main.hbs. Helpers format; they never decide.
 */
export function createViewEngine(viewsDir = VIEWS_DIR) {
  const hbs = Handlebars.create();
  const numberFormat = new Intl.NumberFormat('en-GB');
  hbs.registerHelper('number', (n: unknown) => (typeof n === 'number' ? numberFormat.format(n) : ''));
  hbs.registerHelper('plural', (n: unknown, one: string, many: string) => (n === 1 ? one : many));
  hbs.registerHelper('eq', (a: unknown, b: unknown) => a === b);
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
  const layout = path.join(viewsDir, 'layouts', 'main.hbs');
  return (file: string, options: object, callback: (error: unknown, html?: string) => void) => {
    try {
      const data = options as Record<string, unknown>;
      const body = compile(file)(data);
      callback(null, compile(layout)({ ...data, body }));
    } catch (error) {
      callback(error);
    }
  };
}

function registerPartials(hbs: typeof Handlebars, dir: string, prefix = ''): void {
  if (!fs.existsSync(dir)) return;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) registerPartials(hbs, full, `${prefix}${entry.name}/`);
    else if (entry.name.endsWith('.hbs')) hbs.registerPartial(`${prefix}${entry.name.slice(0, -4)}`, fs.readFileSync(full, 'utf8'));
  }
}
