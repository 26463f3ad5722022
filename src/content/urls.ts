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

/** An HTML start tag: its name, its attributes, and `/` of a self-closing one. Text and code (`&lt;a`) never match. */
const HTML_TAG = /<([a-zA-Z][a-zA-Z0-9-]*)(\s[^<>]*?)?(\/?)>/g;

/**
 * Points in-page links (`href="#part"`) at `pageUrl` + `#part`, in tags only (HTML shown as code
 * stays as it is). For a feed: a reader has no page around the post, and the validator warns
 * about relative links.
 */
export function absolutizeFragments(html: string, pageUrl: string): string {
  if (!html.includes('#')) return html;
  return html.replace(HTML_TAG, (tag, name: string, attrs: string | undefined, close: string) => {
    if (!attrs?.includes('#')) return tag;
    const rewritten = attrs.replace(
      /(\s)(href)(\s*=\s*)(?:"(#[^"]*)"|'(#[^']*)'|(#[^\s"'=<>`]+))/gi,
      // Always double-quoted, with a `"` in the URL encoded: nothing in the URL ends the value.
      (_whole, space: string, attr: string, eq: string, dq?: string, sq?: string, bare?: string) =>
        `${space}${attr}${eq}"${`${pageUrl}${dq ?? sq ?? bare ?? ''}`.replace(/"/g, '%22')}"`,
    );
    return `<${name}${rewritten}${close}>`;
  });
}

/**
 * Rewrites `href`, `src` and `srcset` attributes in raw HTML tags (`<a>`, `<img>`, `<source>`,
 * `<video>`, `<audio>`, `<iframe>`…). Only inside tags: text and entities outside `<…>` are untouched.
 * Attribute values may be double-quoted, single-quoted or bare; entities in them (`&amp;`) are
 * kept as written, since they only matter after the URL is absolute.
 */
export function absolutizeHtml(html: string, base: string): string {
  return html.replace(HTML_TAG, (tag, name: string, attrs: string | undefined, close: string) => {
    if (!attrs) return tag;
    const rewritten = attrs.replace(
      /(\s)(href|src|srcset|poster)(\s*=\s*)(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+))/gi,
      (_whole, space: string, attr: string, eq: string, dq?: string, sq?: string, bare?: string) => {
        const value = dq ?? sq ?? bare ?? '';
        const fixed = attr.toLowerCase() === 'srcset' ? absoluteSrcset(value, base) : absoluteUrl(value, base);
        const quote = dq !== undefined ? '"' : sq !== undefined ? "'" : '"';
        return `${space}${attr}${eq}${quote}${fixed}${quote}`;
      },
    );
    return `<${name}${rewritten}${close}>`;
  });
}
