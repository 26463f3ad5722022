import type { Author } from '../content/post.js';
import { rfc3339 } from './dates.js';
import type { FeedDocument, FeedEntry } from './entry.js';
import { emptyElement, parentElement, stylesheetInstructions, textElement, XML_DECLARATION } from './xml.js';

/** Atom 1.0 (RFC 4287). The feed id is the feed's own URL, which never changes between builds. */
export function renderAtom(feed: FeedDocument): string {
  const root = parentElement('feed', { xmlns: 'http://www.w3.org/2005/Atom', 'xml:lang': feed.language }, [
    textElement('title', feed.title, { type: 'text' }),
    feed.description ? textElement('subtitle', feed.description, { type: 'text' }) : '',
    emptyElement('link', { rel: 'alternate', type: 'text/html', href: feed.homeUrl }),
    emptyElement('link', { rel: 'self', type: 'application/atom+xml', href: feed.self.atom }),
    textElement('id', feed.self.atom),
    textElement('updated', rfc3339(feed.updated, feed.timeZone)),
    atomAuthor(feed.author),
    textElement('generator', 'tayori'),
    ...feed.entries.map((entry) => atomEntry(entry, feed.timeZone, feed.homeUrl)),
  ]);
  return `${XML_DECLARATION}\n${stylesheetInstructions(feed.stylesheets)}\n${root}\n`;
}

function atomEntry(entry: FeedEntry, timeZone: string, siteUrl: string): string {
  return parentElement('entry', entry.lang ? { 'xml:lang': entry.lang } : {}, [
    textElement('title', entry.title, { type: 'text' }),
    emptyElement('link', { rel: 'alternate', type: 'text/html', href: entry.url }),
    textElement('id', atomId(entry.id, siteUrl)),
    textElement('published', rfc3339(entry.published, timeZone)),
    textElement('updated', rfc3339(entry.updated, timeZone)),
    atomAuthor(entry.author),
    ...entry.terms.map((term) => emptyElement('category', { term })),
    textElement('summary', entry.summaryHtml, { type: 'html' }),
    entry.contentHtml === undefined ? '' : textElement('content', entry.contentHtml, { type: 'html' }),
  ]);
}

/**
 * An Atom id must be an IRI (RFC 4287 4.2.6). The ids tayori makes are `tag:` URIs; an `id:`
 * from front matter without a scheme (`42`, Jekyll's `/2025/12/02/hello`) is made absolute
 * against the site URL, as jekyll-feed's `post.id | absolute_url` does, and characters an IRI
 * can't hold are percent-encoded. RSS and JSON Feed take any string, so they (and the digest's
 * record of what was sent) keep the id as written.
 */
export function atomId(id: string, siteUrl: string): string {
  if (/^[a-z][a-z0-9+.-]*:/i.test(id)) return id.replace(/[\s<>"{}|\\^`]/g, (c) => encodeURIComponent(c));
  return new URL(`./${id.replace(/^\/+/, '')}`, siteUrl).href; // `./`: `notes:2025/x` is a path, not a scheme
}

function atomAuthor(author: Author): string {
  return parentElement('author', {}, [
    textElement('name', author.name),
    author.url ? textElement('uri', author.url) : '',
    author.email ? textElement('email', author.email) : '',
  ]);
}
