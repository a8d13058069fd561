import fs from 'node:fs';
import path from 'node:path';
import Handlebars from 'handlebars';
import { projectPath } from '../lib/project-root.js';
import { registerFormattingHelpers } from '../lib/format.js';

export const EMAIL_VIEWS_DIR = projectPath('views', 'emails');

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
  private readonly layouts = new Map<string, { html: string[]; text: string[] }>();

  constructor() {
    const dir = EMAIL_VIEWS_DIR;
    const hbs = Handlebars.create();
    registerFormattingHelpers(hbs);
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
    const context = { ...data, subject };
    const layout = this.layoutFor(subject, data.unsubscribeUrl !== undefined);
    const url = data.unsubscribeUrl ?? '';
    return {
      subject,
      html: fill(layout.html, this.html.get(name)!(context), Handlebars.escapeExpression(url)),
      text: tidyText(fill(layout.text, this.text.get(name)!(context), url)),
    };
  }

  /**
   * The layouts, rendered once per subject with markers where the body and the unsubscribe link
   * go: a run of 100,000 monthly emails then renders only their bodies.
   */
  private layoutFor(subject: string, hasUnsubscribe: boolean): { html: string[]; text: string[] } {
    const key = `${Number(hasUnsubscribe)}${subject}`;
    let layout = this.layouts.get(key);
    if (!layout) {
      const context = { subject, body: BODY_MARK, ...(hasUnsubscribe && { unsubscribeUrl: URL_MARK }) };
      layout = {
        html: this.html.get('layout')!(context).split(MARKS),
        text: this.text.get('layout')!(context).split(MARKS),
      };
      if (this.layouts.size >= 100) this.layouts.clear(); // subjects carry a month or a count: keep only recent ones
      this.layouts.set(key, layout);
    }
    return layout;
  }
}

const BODY_MARK = '\u0000body\u0000';
const URL_MARK = '\u0000unsubscribe\u0000';
const MARKS = /(\u0000body\u0000|\u0000unsubscribe\u0000)/;

/** Puts the body and the link in place of the markers (split kept them at the odd indexes). */
function fill(pieces: string[], body: string, url: string): string {
  let out = '';
  for (let i = 0; i < pieces.length; i++) out += i % 2 === 0 ? pieces[i] : pieces[i] === BODY_MARK ? body : url;
  return out;
}

/**
 * Template logic leaves blank lines behind; a text email reads best with single blank lines between
 * paragraphs. Line by line: a pattern for trailing spaces costs the square of a long line's length.
 */
function tidyText(text: string): string {
  return `${text
    .split('\n')
    .map((line) => line.trimEnd())
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim()}\n`;
}
