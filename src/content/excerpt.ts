/**
 * A post's excerpt as it may stand inside someone else's page: the weekly digest e-mail and the
 * front page. The one place that decides what of an author's excerpt HTML gets there.
 *
 * The excerpt is the author's raw HTML (Markdown passes HTML through). On the post's own page
 * that is fine: the page is theirs and is served with a CSP. Put into the digest, a `<style>`
 * in one excerpt became rules for the whole message once juice inlined the document's CSS
 * (`a { display: none }` hid every link, the unsubscribe link too), and scripts, event handlers,
 * `javascript:` links and frames went out to every subscriber. So only an allow-list passes:
 * text formatting, http(s)/mailto links, http(s) images, lists, quotes, code, headings and
 * tables; no `style`, `class` or `id` attribute (they would meet the template's CSS), no event
 * handlers, and `<style>`, `<script>`, `<iframe>`, `<object>`, `<form>` and the like are dropped
 * with their content.
 *
 * The feeds keep the excerpt as written (as jekyll-feed does): a feed reader sanitises what it
 * shows, and the feeds' bytes don't change. The plain text of the safe excerpt is computed here
 * from the safe HTML, so what the HTML part leaves out doesn't reappear in the text part.
 */
import { createRequire } from 'node:module';
import type sanitizeHtml from 'sanitize-html';
import { htmlToText } from './text.js';

/**
 * sanitize-html (with htmlparser2 and postcss) takes 100–200 ms to load: loaded on first use, so
 * that the page-rendering threads, which render post pages only, never load it.
 */
const require = createRequire(import.meta.url);
let sanitizer: typeof sanitizeHtml | undefined;
function sanitize(html: string, options: sanitizeHtml.IOptions): string {
  sanitizer ??= require('sanitize-html') as typeof sanitizeHtml;
  return sanitizer(html, options);
}

function httpsForSchemeRelative(attribute: string): sanitizeHtml.Transformer {
  return (tagName, attribs) => {
    const value = attribs[attribute];
    if (value !== undefined && /^\s*\/\//.test(value)) return { tagName, attribs: { ...attribs, [attribute]: `https:${value.trim()}` } };
    return { tagName, attribs };
  };
}

const SAFE_EXCERPT: sanitizeHtml.IOptions = {
  allowedTags: [
    'p', 'br', 'hr', 'div', 'span',
    'strong', 'b', 'em', 'i', 'u', 's', 'del', 'ins', 'mark', 'small', 'sub', 'sup',
    'abbr', 'cite', 'q', 'dfn', 'kbd', 'samp', 'var', 'code', 'pre',
    'ruby', 'rb', 'rp', 'rt',
    'a', 'img',
    'ul', 'ol', 'li', 'dl', 'dt', 'dd',
    'blockquote', 'figure', 'figcaption',
    'h1', 'h2', 'h3', 'h4', 'h5', 'h6',
    'table', 'caption', 'thead', 'tbody', 'tfoot', 'tr', 'th', 'td',
  ],
  allowedAttributes: {
    '*': ['lang', 'dir'],
    a: ['href', 'title'],
    img: ['src', 'alt', 'title', 'width', 'height'],
    abbr: ['title'],
    ol: ['start'],
    th: ['colspan', 'rowspan', 'align'],
    td: ['colspan', 'rowspan', 'align'],
  },
  // Relative links were made absolute when the post was rendered (content/urls.ts).
  allowedSchemes: ['http', 'https', 'mailto'],
  allowedSchemesByTag: { img: ['http', 'https'] },
  allowedSchemesAppliedToAttributes: ['href', 'src', 'cite'],
  allowProtocolRelative: false,
  // A tag left out keeps its text, except these, which go with everything inside them.
  disallowedTagsMode: 'discard',
  nonTextTags: [
    'script', 'style', 'template', 'noscript', 'noembed', 'noframes', 'xmp', 'title',
    'iframe', 'frameset', 'frame', 'object', 'embed', 'applet', 'canvas', 'audio', 'video',
    'form', 'textarea', 'select', 'option', 'button',
    'svg', 'math',
  ],
  // `//host/…` is left as written upstream; a mail has no scheme to resolve it against.
  transformTags: { a: httpsForSchemeRelative('href'), img: httpsForSchemeRelative('src') },
  // An image whose src was refused (data:, javascript:) would only show a broken box.
  exclusiveFilter: (frame) => frame.tag === 'img' && !frame.attribs.src,
};

export interface SafeExcerpt {
  html: string;
  text: string;
}

/** The excerpt HTML (PostContent.excerptHtml) with only the allow-list left, and its plain text. */
export function safeExcerpt(excerptHtml: string): SafeExcerpt {
  if (excerptHtml === '') return { html: '', text: '' };
  const html = sanitize(excerptHtml, SAFE_EXCERPT).trim();
  return { html, text: htmlToText(html) };
}
