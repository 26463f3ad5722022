/**
 * Response headers that every answer carries, and the content types of the output files.
 * Pure, so the choices are tested without a server.
 */

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

/** A browser navigating to the URL (it asks for HTML first), as opposed to a feed reader. */
export function wantsHtml(accept: string | undefined): boolean {
  return /(^|,)\s*text\/html\b/i.test(accept ?? '');
}

/**
 * Content type of an output file. Feed readers get the registered types (application/rss+xml,
 * application/atom+xml, application/feed+json). A browser navigating to an RSS or Atom file gets
 * application/xml instead: Chromium shows `+xml` types as plain text and applies the XSLT preview
 * only to the generic XML type. Responses vary on Accept accordingly.
 */
export function contentTypeFor(file: string, accept?: string): string | undefined {
  const name = file.slice(Math.max(file.lastIndexOf('/'), file.lastIndexOf('\\')) + 1);
  const xml = (registered: string) => `${wantsHtml(accept) ? 'application/xml' : registered}; charset=utf-8`;
  if (name === 'atom.xml' || name.endsWith('.atom')) return xml('application/atom+xml');
  if (name.endsWith('.xml') || name.endsWith('.rss')) return xml('application/rss+xml');
  if (name === 'feed.json' || name.endsWith('.jsonfeed')) return 'application/feed+json; charset=utf-8';
  if (name.endsWith('.xsl') || name.endsWith('.xslt')) return 'text/xsl; charset=utf-8';
  return undefined;
}

/** Whether a file's content type depends on the request's Accept header. */
export function variesOnAccept(file: string): boolean {
  return /\.(xml|rss|atom)$/.test(file);
}
