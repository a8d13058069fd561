/**
 * A small HTML reader for tests: enough to find elements by tag, id, class and attribute, and to
 * read their text the way a person sees it. It trusts well-formed markup (ours) and is no browser.
 */

export interface HtmlElement {
  tag: string;
  attrs: Record<string, string>;
  children: HtmlNode[];
  parent?: HtmlElement;
}
export type HtmlNode = HtmlElement | string;

const VOID = new Set([
  'area',
  'base',
  'br',
  'col',
  'embed',
  'hr',
  'img',
  'input',
  'link',
  'meta',
  'source',
  'track',
  'wbr',
]);
const RAW_TEXT = new Set(['script', 'style', 'title', 'textarea']);
const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0' };

export function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, code: string) => {
    if (code[0] === '#')
      return String.fromCodePoint(
        code[1] === 'x' || code[1] === 'X' ? parseInt(code.slice(2), 16) : Number(code.slice(1)),
      );
    return ENTITIES[code.toLowerCase()] ?? whole;
  });
}

export function parseHtml(html: string): HtmlElement {
  const root: HtmlElement = { tag: '#document', attrs: {}, children: [] };
  let current = root;
  const tagPattern =
    /<!--[\s\S]*?-->|<!doctype[^>]*>|<\/([a-zA-Z][\w-]*)\s*>|<([a-zA-Z][\w-]*)((?:\s+[^\s"'>/=]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'>]+))?)*)\s*(\/?)>/gi;
  let last = 0;
  for (let match = tagPattern.exec(html); match; match = tagPattern.exec(html)) {
    if (match.index > last) current.children.push(decodeEntities(html.slice(last, match.index)));
    last = tagPattern.lastIndex;
    const [whole, closing, opening, rawAttrs, selfClosing] = match;
    if (whole.startsWith('<!')) continue;
    if (closing) {
      const name = closing.toLowerCase();
      let node: HtmlElement | undefined = current;
      while (node && node.tag !== name) node = node.parent;
      if (node?.parent) current = node.parent;
      continue;
    }
    const element: HtmlElement = {
      tag: opening!.toLowerCase(),
      attrs: parseAttrs(rawAttrs ?? ''),
      children: [],
      parent: current,
    };
    current.children.push(element);
    if (RAW_TEXT.has(element.tag)) {
      const end = html.toLowerCase().indexOf(`</${element.tag}`, last);
      const stop = end === -1 ? html.length : end;
      element.children.push(decodeEntities(html.slice(last, stop)));
      tagPattern.lastIndex = stop;
      last = stop;
      continue;
    }
    if (!VOID.has(element.tag) && !selfClosing) current = element;
  }
  if (last < html.length) current.children.push(decodeEntities(html.slice(last)));
  return root;
}

function parseAttrs(raw: string): Record<string, string> {
  const attrs: Record<string, string> = {};
  for (const m of raw.matchAll(/([^\s"'>/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?/g)) {
    attrs[m[1]!.toLowerCase()] = decodeEntities(m[2] ?? m[3] ?? m[4] ?? '');
  }
  return attrs;
}

/** One compound selector: `tag`, `#id`, `.class`, `[attr]`, `[attr=value]`, combined without spaces. */
function matches(el: HtmlElement, compound: string): boolean {
  for (const part of compound.match(/[#.]?[\w-]+|\[[^\]]+\]/g) ?? []) {
    if (part.startsWith('#')) {
      if (el.attrs.id !== part.slice(1)) return false;
    } else if (part.startsWith('.')) {
      if (!(el.attrs.class ?? '').split(/\s+/).includes(part.slice(1))) return false;
    } else if (part.startsWith('[')) {
      const [name, value] = part.slice(1, -1).split('=') as [string, string | undefined];
      if (!(name in el.attrs)) return false;
      if (value !== undefined && el.attrs[name] !== value.replace(/^["']|["']$/g, '')) return false;
    } else if (el.tag !== part.toLowerCase()) return false;
  }
  return true;
}

function descendants(el: HtmlElement): HtmlElement[] {
  const out: HtmlElement[] = [];
  for (const child of el.children) {
    if (typeof child === 'string') continue;
    out.push(child, ...descendants(child));
  }
  return out;
}

/** Elements matching a descendant selector such as `table.orders-table tbody tr`. */
export function selectAll(root: HtmlElement, selector: string): HtmlElement[] {
  let found = [root];
  for (const compound of selector.trim().split(/\s+/)) {
    const next = new Set<HtmlElement>();
    for (const el of found) for (const d of descendants(el)) if (matches(d, compound)) next.add(d);
    found = [...next];
  }
  return found;
}

export function select(root: HtmlElement, selector: string): HtmlElement {
  const found = selectAll(root, selector);
  if (found.length === 0) throw new Error(`no element matches ${selector}`);
  return found[0]!;
}

/** Text content with whitespace collapsed, as it reads on screen. */
export function textOf(node: HtmlNode): string {
  const raw = (n: HtmlNode): string => (typeof n === 'string' ? n : n.children.map(raw).join(''));
  return raw(node).replace(/\s+/g, ' ').trim();
}

function byPosition(parent: HtmlElement) {
  return (a: HtmlElement, b: HtmlElement) => parent.children.indexOf(a) - parent.children.indexOf(b);
}

export function html(text: string) {
  const doc = parseHtml(text);
  return {
    doc,
    select: (selector: string) => select(doc, selector),
    selectAll: (selector: string) => selectAll(doc, selector),
    text: (selector: string) => textOf(select(doc, selector)),
    texts: (selector: string) => selectAll(doc, selector).map(textOf),
    /** Each matching table row as the texts of its cells. */
    rows: (selector: string) =>
      selectAll(doc, selector).map((tr) =>
        selectAll(tr, 'th').concat(selectAll(tr, 'td')).sort(byPosition(tr)).map(textOf),
      ),
  };
}
