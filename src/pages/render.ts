import { readFileSync } from 'node:fs';
import type { Config } from '../config/schema.js';
import type { FullPost } from '../content/post.js';
import { FEED_FILES } from '../feeds/entry.js';
import { feedDir } from '../feeds/paths.js';
import type { OutputFile } from '../feeds/index.js';
import { PageRenderer, templateFile } from './engine.js';
import { pageText, type PageText } from './text.js';

/** How many posts the front page lists (the feeds and post pages carry the rest). */
export const INDEX_POSTS = 50;

export interface SiteContext {
  title: string;
  description: string;
  url: string;
  language: string;
}

/** Absolute feed URLs for autodiscovery `<link rel="alternate">` tags. */
export function feedUrls(config: Config): { rss: string; atom: string; json: string } {
  const base = config.site.url;
  return { rss: base + FEED_FILES.rss, atom: base + FEED_FILES.atom, json: base + FEED_FILES.json };
}

export function siteContext(config: Config): SiteContext {
  return { title: config.site.title, description: config.site.description, url: config.site.url, language: config.site.language };
}

/**
 * The output file for a post page: `post.path` decoded (the file system holds the real
 * characters; a static server decodes the request URL the same way) + `index.html`.
 * Rejects paths that would escape the output folder or land on the site's own index.
 */
export function pageFileFor(post: { path: string; file: string }): string {
  const segments = post.path.split('/').filter((s) => s !== '');
  const decoded = segments.map((segment) => {
    let value: string;
    try {
      value = decodeURIComponent(segment);
    } catch {
      throw new Error(`${post.file}: permalink ${post.path} is not valid percent-encoding. Fix: check the slug or permalink in its front matter.`);
    }
    if (value === '.' || value === '..' || /[/\\\0]/.test(value)) {
      throw new Error(`${post.file}: permalink ${post.path} has the segment "${value}", which would leave the output folder. Fix: change its slug or permalink.`);
    }
    return value;
  });
  if (decoded.length === 0) {
    throw new Error(`${post.file}: permalink ${post.path} is the site's front page. Fix: give the post a slug or use a permalink such as /:year/:slug/.`);
  }
  // A permalink ending in a file name (…/hello.html) is written as that file.
  const last = decoded[decoded.length - 1] ?? '';
  if (!post.path.endsWith('/') && /\.html?$/i.test(last)) return decoded.join('/');
  return `${decoded.join('/')}/index.html`;
}

/** `../` once per folder between a page and the site root, so pages work under any prefix. */
function rootFrom(file: string): string {
  const depth = file.split('/').length - 1;
  return depth === 0 ? '' : '../'.repeat(depth);
}

/** Day and time in the site's time zone, e.g. 2025年12月17日 or 17 December 2025. */
function dateFormatter(config: Config): (date: Date) => string {
  const format = new Intl.DateTimeFormat(config.site.language, { dateStyle: 'long', timeZone: config.site.timezone });
  return (date) => format.format(date);
}

/**
 * Post pages and the front page, as files for the output folder (the build writes them).
 * With `site.pages: false` (Jekyll or Hugo builds the site), nothing is written: the front page
 * is part of the pages. Convenience over renderPageFiles for callers that hold every post.
 */
export function renderPages(config: Config, posts: FullPost[], templatesDir: string): OutputFile[] {
  return config.site.pages ? [...renderPageFiles(config, posts, templatesDir)] : [];
}

/**
 * The pages one at a time, so a build over 10,000 posts holds one rendered body at a time
 * (pass a lazy iterable that loads each post as it is reached). Every template is parsed once;
 * each post costs one render. `posts` are newest first; the front page lists the first ones.
 */
export function* renderPageFiles(config: Config, posts: Iterable<FullPost>, templatesDir: string): Generator<OutputFile> {
  const pages = new PageRenderer(templatesDir);
  const text = pageText(config.site.language);
  const site = siteContext(config);
  const feeds = feedUrls(config);
  const formatDate = dateFormatter(config);
  const seen = new Map<string, string>();
  const latest: FullPost[] = [];

  for (const post of posts) {
    if (latest.length < INDEX_POSTS) latest.push(post);
    const file = pageFileFor(post);
    const earlier = seen.get(file);
    if (earlier !== undefined) {
      throw new Error(`${post.file}: its page ${file} is also the page of ${earlier}. Fix: change the slug or date of one of them.`);
    }
    seen.set(file, post.file);
    const root = rootFrom(file);
    const lang = post.lang ?? config.site.language;
    const contents = pages.render('post.html.liquid', {
      site,
      text,
      feeds,
      root,
      lang,
      title: `${post.title} | ${config.site.title}`,
      description: post.excerptText,
      canonical: post.url,
      post: {
        title: post.title,
        lang,
        html: post.html,
        author: post.author.name,
        dateIso: post.date.toISOString(),
        dateText: formatDate(post.date),
        readingText: text.minutes(post.readingTime),
        categories: termLinks(root, 'category', post.categories),
        tags: termLinks(root, 'tag', post.tags),
      },
    });
    yield { path: file, contents };
  }

  yield { path: 'index.html', contents: renderIndex(pages, config, latest, text, formatDate) };
  yield { path: 'site.css', contents: readFileSync(templateFile(templatesDir, 'site.css'), 'utf8') };
}

function termLinks(root: string, kind: 'category' | 'tag', terms: string[]): { name: string; href: string }[] {
  return [...new Set(terms)]
    .filter((term) => term.trim() !== '')
    .map((name) => ({ name, href: `${root}${feedDir(kind, name)}/${FEED_FILES.rss}` }));
}

function renderIndex(
  pages: PageRenderer,
  config: Config,
  posts: FullPost[],
  text: PageText,
  formatDate: (date: Date) => string,
): string {
  const latest = posts.map((post) => ({
    title: post.title,
    // Relative and still percent-encoded: the front page sits at the site root.
    href: post.path.replace(/^\//, ''),
    lang: post.lang ?? config.site.language,
    dateIso: post.date.toISOString(),
    dateText: formatDate(post.date),
    excerptHtml: post.excerptHtml,
  }));
  return pages.render('index.html.liquid', {
    site: siteContext(config),
    text,
    feeds: feedUrls(config),
    root: '',
    lang: config.site.language,
    title: config.site.title,
    description: config.site.description,
    canonical: config.site.url,
    posts: latest,
  });
}
