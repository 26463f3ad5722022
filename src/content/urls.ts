/**
 * Post URLs (Jekyll permalink placeholders) and making relative links absolute. Pure.
 */
import { pad2, wallTimeIn } from './dates.js';

export interface PermalinkParts {
  date: Date;
  slug: string;
  categories: string[];
  timeZone: string;
}

/**
 * Expands a Jekyll permalink pattern. Date parts are the post's wall time in the site's zone;
 * `:title` and `:slug` are the slug; `:categories` is the lower-cased categories joined by `/`
 * (removed when there are none), and, as in Jekyll, a `/` inside a category is a folder too
 * (`CI/CD` → `ci/cd`). Every other value is percent-encoded as one path segment; repeated
 * slashes left by empty values collapse. Unknown placeholders are kept as written.
 */
export function expandPermalink(pattern: string, parts: PermalinkParts): string {
  const w = wallTimeIn(parts.date, parts.timeZone);
  const values: Record<string, string> = {
    year: String(w.year),
    short_year: pad2(w.year % 100),
    month: pad2(w.month),
    i_month: String(w.month),
    day: pad2(w.day),
    i_day: String(w.day),
    hour: pad2(w.hour),
    minute: pad2(w.minute),
    second: pad2(w.second),
    title: encodeURIComponent(parts.slug),
    slug: encodeURIComponent(parts.slug),
    categories: unique(parts.categories.map((c) => c.toLowerCase()))
      .map((c) => c.split('/').map(encodeURIComponent).join('/'))
      .join('/'),
    output_ext: '.html',
  };
  const expanded = encodePathText(pattern).replace(/:([a-z_]+)/g, (whole, name: string) => values[name] ?? whole);
  const collapsed = expanded.replace(/\/{2,}/g, '/');
  return collapsed.startsWith('/') ? collapsed : `/${collapsed}`;
}

/**
 * Percent-encodes what may not stand in a URL path (spaces, non-ASCII) and leaves everything
 * else, including `/`, `:` and existing `%XX` escapes, as written.
 */
export function encodePathText(text: string): string {
  return text.replace(/%(?![0-9A-Fa-f]{2})|[^A-Za-z0-9\-._~!$&'()*+,;=:@%/]+/gu, (s) => encodeURIComponent(s));
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}

/** The absolute post URL: `path` is taken relative to site.url, so a site under /blog/ keeps it. */
export function postUrl(path: string, siteUrl: string): string {
  // `./` first: a path whose first segment holds a colon (`/notes:2025/`) is a path, not a scheme.
  return new URL(`./${path.replace(/^\/+/, '')}`, siteUrl).href;
}

/**
 * `href`/`src` values left alone: empty, `#fragment`, protocol-relative `//host`, and anything
 * with a scheme (`https:`, `mailto:`, `data:`, `tel:`).
 */
function isAlreadyAbsolute(url: string): boolean {
  const u = url.trim();
  return u === '' || u.startsWith('#') || u.startsWith('//') || /^[a-z][a-z0-9+.-]*:/i.test(u);
}

export function absoluteUrl(url: string, base: string): string {
  if (isAlreadyAbsolute(url)) return url;
  try {
    return new URL(url.trim(), base).href;
  } catch {
    return url;
  }
}

/** `a.png 1x, b.png 2x` with each URL made absolute. */
export function absoluteSrcset(srcset: string, base: string): string {
  return srcset
    .split(',')
    .map((candidate) => {
      const m = /^(\s*)(\S+)(.*)$/s.exec(candidate);
      return m ? `${m[1]}${absoluteUrl(m[2]!, base)}${m[3]}` : candidate;
    })
    .join(',');
}

/**
 * An HTML start tag: its name, its attributes (each read whole, so a `>` or an `href=` inside a
 * quoted value is part of that value), and `/` of a self-closing one. Text and code (`&lt;a`)
 * never match.
 */
const HTML_TAG = /<([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[^\s"'>\/=]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'=<>`]+))?)*)(\s*\/?>)/g;
/** One attribute of a tag's attribute text, in order: space, name, `=`, and the value (double-quoted, single-quoted or bare). */
const ATTRIBUTE = /(\s+)([^\s"'>\/=]+)(?:(\s*=\s*)(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?/g;

/**
 * Rewrites attribute values in the start tags of `html`: `rewrite(name, value)` (name in lower
 * case) returns the new value, or undefined to keep it. A value keeps its quotes unless the new
 * one holds that quote character; entities in values are kept as written.
 */
function rewriteAttributes(html: string, rewrite: (name: string, value: string) => string | undefined): string {
  return html.replace(HTML_TAG, (tag, name: string, attrs: string, end: string) => {
    if (!attrs) return tag;
    let changed = false;
    const rewritten = attrs.replace(ATTRIBUTE, (whole, space: string, attr: string, eq?: string, dq?: string, sq?: string, bare?: string) => {
      if (eq === undefined) return whole;
      const value = dq ?? sq ?? bare ?? '';
      const next = rewrite(attr.toLowerCase(), value);
      if (next === undefined) return whole;
      changed = true;
      const quote = sq !== undefined && !next.includes("'") ? "'" : '"';
      return `${space}${attr}${eq}${quote}${quote === '"' ? next.replace(/"/g, '&quot;') : next}${quote}`;
    });
    return changed ? `<${name}${rewritten}${end}` : tag;
  });
}

/**
 * Points in-page links (`href="#part"`) at `pageUrl` + `#part`, in tags only (HTML shown as code
 * stays as it is). For a feed: a reader has no page around the post, and the validator warns
 * about relative links.
 */
export function absolutizeFragments(html: string, pageUrl: string): string {
  if (!html.includes('#')) return html;
  return rewriteAttributes(html, (name, value) => (name === 'href' && value.startsWith('#') ? `${pageUrl}${value}` : undefined));
}

/**
 * Rewrites `href`, `src` and `srcset` attributes in raw HTML tags (`<a>`, `<img>`, `<source>`,
 * `<video>`, `<audio>`, `<iframe>`…). Only inside tags: text and entities outside `<…>` are untouched.
 * Attribute values may be double-quoted, single-quoted or bare; entities in them (`&amp;`) are
 * kept as written, since they only matter after the URL is absolute.
 */
export function absolutizeHtml(html: string, base: string): string {
  return rewriteAttributes(html, (name, value) => {
    if (name === 'srcset') return absoluteSrcset(value, base);
    return name === 'href' || name === 'src' || name === 'poster' ? absoluteUrl(value, base) : undefined;
  });
}
