/**
 * Response headers that every answer carries, and the content types of the output files.
 * Pure, so the choices are tested without a server.
 */
import { negotiate } from '@fastify/accept-negotiator';

/**
 * No scripts at all; styles and images from this origin (post images may be hot-linked over
 * https); forms only post back here; no framing.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "style-src 'self'",
  "img-src 'self' https: data:",
  "form-action 'self'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * For RSS and Atom documents: Chromium loads the XSLT preview (/feed.xsl) under script-src,
 * and the preview page it produces has its own inline styles. Still no inline script.
 */
export const FEED_CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' https: data:",
  "form-action 'self'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  // Links carry tokens (confirm, unsubscribe): never leak the URL to another site.
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
};

/** The CSP for a response, by its content type. */
export function contentSecurityPolicyFor(contentType: string | undefined): string {
  return /^application\/(xml|rss\+xml|atom\+xml)\b/.test(contentType ?? '') ? FEED_CONTENT_SECURITY_POLICY : CONTENT_SECURITY_POLICY;
}

/** Every security header of an answer of this content type, its CSP included. */
export function securityHeadersFor(contentType: string | undefined): Record<string, string> {
  return { ...SECURITY_HEADERS, 'content-security-policy': contentSecurityPolicyFor(contentType) };
}

/** A browser navigating to the URL (it ranks HTML above the feed types), as opposed to a feed reader. */
export function wantsHtml(accept: string | undefined): boolean {
  // q-values count: `application/rss+xml, text/html;q=0` is a reader that refuses HTML.
  return negotiate((accept ?? '').toLowerCase(), ['text/html', 'application/rss+xml', 'application/atom+xml']) === 'text/html';
}

/** What the build writes as RSS and Atom (feed.xml, atom.xml, in any folder: category and tag feeds). */
const RSS_FILE = /(^|[/\\])feed\.xml$|\.rss$/;
const ATOM_FILE = /(^|[/\\])atom\.xml$|\.atom$/;

/**
 * Content type of an output file. Feed readers get the registered types (application/rss+xml,
 * application/atom+xml, application/feed+json). A browser navigating to an RSS or Atom file gets
 * application/xml instead: Chromium shows `+xml` types as plain text and applies the XSLT preview
 * only to the generic XML type. Responses vary on Accept accordingly. Other XML files (a
 * sitemap that Jekyll or Hugo wrote beside the feeds) are application/xml, as they are.
 */
export function contentTypeFor(file: string, accept?: string): string | undefined {
  const xml = (registered: string) => `${wantsHtml(accept) ? 'application/xml' : registered}; charset=utf-8`;
  if (ATOM_FILE.test(file)) return xml('application/atom+xml');
  if (RSS_FILE.test(file)) return xml('application/rss+xml');
  if (file.endsWith('.xml')) return 'application/xml; charset=utf-8';
  if (/(^|[/\\])feed\.json$|\.jsonfeed$/.test(file)) return 'application/feed+json; charset=utf-8';
  if (file.endsWith('.xsl') || file.endsWith('.xslt')) return 'text/xsl; charset=utf-8';
  return undefined;
}

/** Whether a file's content type depends on the request's Accept header (the RSS and Atom feeds). */
export function variesOnAccept(file: string): boolean {
  return RSS_FILE.test(file) || ATOM_FILE.test(file);
}
