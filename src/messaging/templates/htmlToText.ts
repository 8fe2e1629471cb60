/**
 * The plain-text part of an email, derived from its HTML when the template gives no `text`.
 * Hand-written (no dependency): head, style, script and hidden preheader blocks are dropped,
 * block elements and <br> become line breaks, links become "label (url)", entities are decoded.
 * It scans linearly with indexOf, never with backtracking regexes over the whole document, so
 * a hostile or broken document cannot make it quadratic.
 */

const SKIP = new Set(['head', 'style', 'script', 'title', 'noscript', 'template', 'xml']);
const BLOCK = new Set(['p', 'div', 'tr', 'table', 'tbody', 'thead', 'ul', 'ol', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'section', 'article', 'header', 'footer', 'blockquote', 'hr', 'center', 'pre']);

export function htmlToText(html: string): string {
  const lower = html.toLowerCase();
  let out = '';
  const links: { href: string; start: number }[] = [];
  let i = 0;
  while (i < html.length) {
    const lt = html.indexOf('<', i);
    out += textOf(html.slice(i, lt < 0 ? undefined : lt));
    if (lt < 0) break;
    if (html.startsWith('<!--', lt)) {
      const end = html.indexOf('-->', lt + 4);
      if (end < 0) break;
      i = end + 3;
      continue;
    }
    // "<" not opening a tag, declaration or close tag is just a character ("a < b").
    if (!/[a-zA-Z/!?]/.test(html[lt + 1] ?? '')) { out += '<'; i = lt + 1; continue; }
    const gt = html.indexOf('>', lt);
    if (gt < 0) { out += textOf(html.slice(lt)); break; }
    const tag = html.slice(lt + 1, gt);
    i = gt + 1;
    const m = /^(\/?)([a-zA-Z][a-zA-Z0-9-]*)/.exec(tag);
    if (!m) continue; // <!doctype>, <?xml?>, </ >
    const closing = m[1] === '/';
    const name = m[2].toLowerCase();
    const hidden = !closing && /display\s*:\s*none/i.test(tag);
    if (!closing && !tag.endsWith('/') && (SKIP.has(name) || hidden)) {
      // Drop everything up to the matching close tag (these blocks do not nest in practice).
      const close = lower.indexOf(`</${name}`, i);
      if (close < 0) break;
      const closeEnd = html.indexOf('>', close);
      i = closeEnd < 0 ? html.length : closeEnd + 1;
      if (BLOCK.has(name)) out += '\n';
      continue;
    }
    if (name === 'br') out += '\n';
    else if (name === 'li' && !closing) out += '\n- ';
    else if (BLOCK.has(name)) out += '\n';
    else if ((name === 'td' || name === 'th') && closing) out += ' ';
    else if (name === 'a' && !closing) links.push({ href: attr(tag, 'href') ?? '', start: out.length });
    else if (name === 'a' && closing) {
      const link = links.pop();
      if (link) out = out.slice(0, link.start) + linkText(out.slice(link.start), link.href);
    }
  }
  return out
    .split('\n')
    .map(line => line.replace(/[ \t\u00a0]+/g, ' ').trim())
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

function linkText(label: string, href: string): string {
  const text = label.trim();
  const url = decodeEntities(href.trim());
  if (!url || url.startsWith('#') || /^(javascript|data):/i.test(url)) return label;
  if (!text) return ` ${url} `;
  if (text === url || `mailto:${text}` === url || `tel:${text}` === url) return label;
  return `${label} (${url})`;
}

function attr(tag: string, name: string): string | undefined {
  const m = new RegExp(`\\s${name}\\s*=\\s*(?:"([^"]*)"|'([^']*)'|([^\\s"'>]+))`, 'i').exec(tag);
  return m ? (m[1] ?? m[2] ?? m[3]) : undefined;
}

/** HTML collapses whitespace in text (line breaks come from tags). */
function textOf(raw: string): string {
  return raw ? decodeEntities(raw.replace(/[ \t\r\n\f]+/g, ' ')) : '';
}

const NAMED: Record<string, string> = {
  amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0', copy: '©', reg: '®', trade: '™',
  hellip: '…', mdash: '—', ndash: '–', lsquo: '‘', rsquo: '’', ldquo: '“', rdquo: '”', euro: '€',
  pound: '£', yen: '¥', laquo: '«', raquo: '»', middot: '·', bull: '•', zwnj: '', zwj: '', shy: '',
};

export function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-fA-F]{1,6}|#[0-9]{1,7}|[a-zA-Z]{2,8});/g, (whole, ref: string) => {
    if (ref[0] === '#') {
      const code = ref[1] === 'x' || ref[1] === 'X' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
      return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return NAMED[ref] ?? NAMED[ref.toLowerCase()] ?? whole;
  });
}
