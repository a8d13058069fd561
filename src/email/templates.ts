import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Handlebars from 'handlebars';

export const EMAIL_VIEWS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../views/emails');

export type EmailTemplateName = 'receipt' | 'monthly-impact' | 'impact-link';
const NAMES: EmailTemplateName[] = ['receipt', 'monthly-impact', 'impact-link'];

export interface RenderedEmail {
  subject: string;
  html: string;
  text: string;
}

/** Data every email's layout reads; a template adds its own. */
export interface EmailLayoutData {
  /** Only emails people can unsubscribe from (the monthly one) carry it. */
  unsubscribeUrl?: string;
}

/**
 * The emails' Handlebars templates, compiled once: each email is an HTML part and a plain-text
 * twin in views/emails/, wrapped in layout.html.hbs / layout.text.hbs. HTML escapes everything
 * given to it (`{{{ }}}` only ever holds our own rendered body); text is not HTML, so not escaped.
 */
export class EmailTemplates {
  private readonly html = new Map<string, Handlebars.TemplateDelegate>();
  private readonly text = new Map<string, Handlebars.TemplateDelegate>();

  constructor(dir = EMAIL_VIEWS_DIR) {
    const hbs = Handlebars.create();
    const numberFormat = new Intl.NumberFormat('en-GB');
    hbs.registerHelper('number', (n: unknown) => (typeof n === 'number' ? numberFormat.format(n) : ''));
    hbs.registerHelper('plural', (n: unknown, one: string, many: string) => (n === 1 ? one : many));
    const read = (file: string) => fs.readFileSync(path.join(dir, file), 'utf8');
    // Only our two helpers and no @data: Handlebars then calls them directly, several times faster
    // (the monthly run renders one email per supporter).
    const options = { knownHelpers: { number: true, plural: true }, knownHelpersOnly: true, data: false };
    for (const name of [...NAMES, 'layout']) {
      this.html.set(name, hbs.compile(read(`${name}.html.hbs`), options));
      this.text.set(name, hbs.compile(read(`${name}.text.hbs`), { ...options, noEscape: true }));
    }
  }

  render(name: EmailTemplateName, subject: string, data: EmailLayoutData & Record<string, unknown>): RenderedEmail {
    const context: Record<string, unknown> = { ...data, subject, body: '' };
    context.body = this.html.get(name)!(context);
    const html = this.html.get('layout')!(context);
    context.body = this.text.get(name)!(context);
    return { subject, html, text: tidyText(this.text.get('layout')!(context)) };
  }
}

/** Template logic leaves blank lines behind; a text email reads best with single blank lines between paragraphs. */
function tidyText(text: string): string {
  return `${text
    .replace(/[ \t]+$/gm, '')
    .replace(/\n{3,}/g, '\n\n')
    .trim()}\n`;
}
