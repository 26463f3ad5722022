import { rfc822 } from './dates.js';
import type { FeedDocument, FeedEntry } from './entry.js';
import { emptyElement, escapeRssPlainText, parentElement, stylesheetInstructions, textElement, XML_DECLARATION } from './xml.js';

/**
 * RSS 2.0. The author goes in `dc:creator` (RSS `<author>` must be an e-mail address), the full
 * body in `content:encoded`, the excerpt in `<description>`; all as escaped text, never CDATA.
 */
export function renderRss(feed: FeedDocument): string {
  const channel = parentElement('channel', {}, [
    plainText('title', feed.title),
    textElement('link', feed.homeUrl),
    // RSS requires a description; the title stands in when the site has none.
    plainText('description', feed.description || feed.title),
    textElement('language', feed.language),
    textElement('lastBuildDate', rfc822(feed.updated, feed.timeZone)),
    textElement('generator', 'tayori'),
    emptyElement('atom:link', { href: feed.self.rss, rel: 'self', type: 'application/rss+xml' }),
    ...feed.entries.map((entry) => rssItem(entry, feed.timeZone)),
  ]);
  const rss = parentElement(
    'rss',
    {
      version: '2.0',
      // Not RSS vocabulary, but plain XML: lets the CSS fallback pick its language with :lang().
      'xml:lang': feed.language,
      'xmlns:atom': 'http://www.w3.org/2005/Atom',
      'xmlns:content': 'http://purl.org/rss/1.0/modules/content/',
      'xmlns:dc': 'http://purl.org/dc/elements/1.1/',
    },
    [channel],
  );
  return `${XML_DECLARATION}\n${stylesheetInstructions(feed.stylesheets)}\n${rss}\n`;
}

function rssItem(entry: FeedEntry, timeZone: string): string {
  return parentElement('item', {}, [
    plainText('title', entry.title),
    textElement('link', entry.url),
    textElement('guid', entry.id, { isPermaLink: 'false' }),
    textElement('pubDate', rfc822(entry.published, timeZone)),
    plainText('dc:creator', entry.author.name),
    ...entry.terms.map((term) => plainText('category', term)),
    textElement('description', entry.summaryHtml),
    entry.contentHtml === undefined ? '' : textElement('content:encoded', entry.contentHtml),
  ]);
}

function plainText(name: string, text: string): string {
  return textElement(name, text, {}, escapeRssPlainText);
}
