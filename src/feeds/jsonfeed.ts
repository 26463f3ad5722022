import type { Author } from '../content/post.js';
import { rfc3339 } from './dates.js';
import type { FeedDocument, FeedEntry } from './entry.js';

/**
 * JSON Feed 1.1 (https://jsonfeed.org/version/1.1). Our own writer: `feed` 6 still writes
 * version 1 (single `author`, no `language`; jpmonette/feed #246).
 */
export function renderJsonFeed(feed: FeedDocument): string {
  const document = {
    version: 'https://jsonfeed.org/version/1.1',
    title: feed.title,
    home_page_url: feed.homeUrl,
    feed_url: feed.self.json,
    ...(feed.description ? { description: feed.description } : {}),
    language: feed.language,
    authors: [jsonAuthor(feed.author)],
    items: feed.entries.map((entry) => jsonItem(entry, feed.timeZone)),
  };
  return `${JSON.stringify(document, null, 2)}\n`;
}

function jsonItem(entry: FeedEntry, timeZone: string) {
  return {
    id: entry.id,
    url: entry.url,
    title: entry.title,
    // Without full content the excerpt is the content: JSON Feed needs content_html or content_text.
    content_html: entry.contentHtml ?? entry.summaryHtml,
    summary: entry.summaryText,
    date_published: rfc3339(entry.published, timeZone),
    date_modified: rfc3339(entry.updated, timeZone),
    authors: [jsonAuthor(entry.author)],
    ...(entry.terms.length > 0 ? { tags: entry.terms } : {}),
    ...(entry.lang ? { language: entry.lang } : {}),
  };
}

/** JSON Feed authors have name, url and avatar, no e-mail (a mailto: url is not a site). */
function jsonAuthor(author: Author): { name: string; url?: string } {
  return author.url ? { name: author.name, url: author.url } : { name: author.name };
}
