import type { Config } from '../config/schema.js';
import type { Author, FullPost } from '../content/post.js';
import type { FeedSpec } from './plan.js';
import { absolutizeFragments } from '../content/urls.js';
import { stripXmlInvalid } from './xml.js';

/**
 * The one Post → feed-item mapping. The RSS, Atom and JSON writers only lay out what is decided
 * here, so the three formats always agree on ids, dates, summaries and terms.
 */
export interface FeedEntry {
  /** `post.id`, a `tag:` URI (not a URL): RSS guid isPermaLink="false", Atom id, JSON id. */
  id: string;
  url: string;
  title: string;
  published: Date;
  updated: Date;
  author: Author;
  /** Categories, then tags, without duplicates. */
  terms: string[];
  summaryHtml: string;
  summaryText: string;
  /** Full body HTML, or undefined when config.feeds.fullContent is off. */
  contentHtml?: string;
  /** Post language when it differs from the feed's. */
  lang?: string;
}

export interface FeedDocument {
  title: string;
  description: string;
  homeUrl: string;
  language: string;
  /** IANA zone the dates are written in (config.site.timezone). */
  timeZone: string;
  author: Author;
  /** Absolute URLs of the three files of this feed. */
  self: { rss: string; atom: string; json: string };
  /**
   * feed.xsl and its CSS fallback, root-relative so the browser loads them from the feed's own
   * origin (it applies no other).
   */
  stylesheets: { xsl: string; css: string };
  /** The newest `updated` among the entries, never the build time: same posts → same bytes. */
  updated: Date;
  entries: FeedEntry[];
}

export const FEED_FILES = { rss: 'feed.xml', atom: 'atom.xml', json: 'feed.json' } as const;
export const STYLESHEET_FILE = 'feed.xsl';
/** What a browser without XSLT applies instead (browsers are dropping XSLT). */
export const FALLBACK_CSS_FILE = 'feed.css';

/** A feed with no posts at all still needs a fixed `updated`; the epoch keeps builds identical. */
const NOTHING_PUBLISHED = new Date(0);

export function feedDocument(config: Config, spec: FeedSpec, posts: FullPost[]): FeedDocument {
  const base = `${config.site.url}${spec.dir === '' ? '' : `${spec.dir}/`}`;
  const entries = posts.map((post) => feedEntry(config, post));
  // The newest entry's time, even before 1970; the epoch only for a feed with no entry.
  let updated = entries[0]?.updated ?? NOTHING_PUBLISHED;
  for (const entry of entries) if (entry.updated > updated) updated = entry.updated;
  return {
    title: clean(spec.title),
    description: clean(config.site.description),
    homeUrl: config.site.url,
    language: config.site.language,
    timeZone: config.site.timezone,
    author: cleanAuthor(config.site.author),
    self: { rss: base + FEED_FILES.rss, atom: base + FEED_FILES.atom, json: base + FEED_FILES.json },
    stylesheets: {
      xsl: `${new URL(config.site.url).pathname}${STYLESHEET_FILE}`,
      css: `${new URL(config.site.url).pathname}${FALLBACK_CSS_FILE}`,
    },
    updated,
    entries,
  };
}

export function feedEntry(config: Config, post: FullPost): FeedEntry {
  const published = post.date;
  // A post edited "before" it was published is a front-matter slip; never go back in time.
  const updated = post.updated > post.date ? post.updated : post.date;
  return {
    id: clean(post.id),
    url: post.url,
    title: clean(post.title),
    published,
    updated,
    author: cleanAuthor(post.author ?? config.site.author),
    terms: [...new Set([...post.categories, ...post.tags].map(clean).filter((term) => term.trim() !== ''))],
    summaryHtml: clean(absolutizeFragments(post.excerptHtml, post.url)),
    summaryText: clean(post.excerptText),
    contentHtml: config.feeds.fullContent ? clean(absolutizeFragments(post.html, post.url)) : undefined,
    lang: post.lang !== undefined && post.lang !== config.site.language ? post.lang : undefined,
  };
}

function clean(text: string): string {
  return stripXmlInvalid(text);
}

/** An author url that is not an absolute http(s) URL is left out: every format requires one. */
function cleanAuthor(author: Author): Author {
  return {
    name: clean(author.name),
    // An Atom email must be a bare addr-spec: `Bob <bob@example.org>` or `bob at example` is left out.
    ...(author.email && ADDR_SPEC.test(author.email.trim()) ? { email: author.email.trim() } : {}),
    ...(author.url && isHttpUrl(author.url) ? { url: new URL(author.url).href } : {}),
  };
}

/** local@domain with no spaces, angle brackets or quotes: what RSS, Atom and JSON readers take as an address. */
const ADDR_SPEC = /^[^\s@<>"(),;:]+@[^\s@<>"(),;:]+\.[^\s@<>"(),;:]+$/;

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}
