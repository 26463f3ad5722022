import { readFileSync } from 'node:fs';
import type { Config } from '../config/schema.js';
import { safeExcerpt } from '../content/excerpt.js';
import type { FullPost } from '../content/post.js';
import { pagePath } from '../content/page-files.js';
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
 * The output file for a post page (content/page-files.ts, pagePath): `post.path` decoded (the
 * file system holds the real characters; a static server decodes the request URL the same way)
 * + `index.html`. Throws, naming the post file, for a path that has no usable page file. A build
 * never gets here with such a path: selectPublished leaves those posts out and gives each of the
 * others its page file (Selection.pages).
 */
export function pageFileFor(post: { path: string; file: string }): string {
  const page = pagePath(post.path);
  if (page.ok) return page.file;
  const { issue } = page;
  const at = `${post.file}: permalink ${post.path}`;
  switch (issue.kind) {
    case 'front-page':
      throw new Error(`${at} is the site's front page. Fix: give the post a slug or use a permalink such as /:year/:slug/.`);
    case 'not-utf8':
      throw new Error(`${at} is not valid percent-encoding. Fix: check the slug or permalink in its front matter.`);
    case 'hidden-segment':
      throw new Error(`${at} has a part starting with ".", which is not served. Fix: check the slug or permalink in its front matter.`);
    case 'dot-segment':
      throw new Error(`${at} has the segment "${issue.segment}", which would leave the output folder. Fix: change its slug or permalink.`);
    case 'separator':
      throw new Error(`${at} has the segment "${issue.value}", which would leave the output folder. Fix: change its slug or permalink.`);
    case 'too-long':
      throw new Error(`${at} has a name of ${issue.bytes} bytes; file systems take ${issue.limit}. Fix: shorten its slug or permalink.`);
    case 'build-file':
      throw new Error(`${at} would replace ${issue.builds}. Fix: change its slug or permalink.`);
  }
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
  if (!config.site.pages) return [];
  const pageFiles = new PageFiles();
  return [...renderPageFiles(new PageContext(config, templatesDir), posts.map((post) => ({ post, file: pageFiles.add(post) })))];
}

/** Page files handed out so far: two posts must not share one (a later one would overwrite the first). */
export class PageFiles {
  private readonly owners = new Map<string, string>();

  /** The post's page file (pageFileFor); throws, naming both files, when an earlier post has it. */
  add(post: { path: string; file: string }): string {
    const file = pageFileFor(post);
    const earlier = this.owners.get(file);
    if (earlier !== undefined) {
      throw new Error(`${post.file}: its page ${file} is also the page of ${earlier}. Fix: change the slug or date of one of them.`);
    }
    this.owners.set(file, post.file);
    return file;
  }
}

/** What every page of one build shares: the parsed templates, UI strings, site, feed links, date format. */
export class PageContext {
  readonly pages: PageRenderer;
  readonly text: PageText;
  readonly formatDate: (date: Date) => string;
  /** Feed folder of each category and tag seen (feedDir normalises the name: worth keeping). */
  private readonly termDirs = new Map<string, string>();

  constructor(
    readonly config: Config,
    readonly templatesDir: string,
  ) {
    this.text = pageText(config.site.language);
    this.pages = new PageRenderer(templatesDir, { site: siteContext(config), text: this.text, feeds: feedUrls(config) }, { preset: true });
    // Every template of a build parsed up front: a syntax error stops it (exit 2, file and line)
    // before any page is written, on a page thread as on the main one.
    this.pages.prepare('post.html.liquid');
    this.pages.prepare('index.html.liquid');
    this.formatDate = dateFormatter(config);
  }

  termDir(kind: 'category' | 'tag', name: string): string {
    const key = `${kind}\0${name}`;
    let dir = this.termDirs.get(key);
    if (dir === undefined) {
      dir = feedDir(kind, name);
      this.termDirs.set(key, dir);
    }
    return dir;
  }
}

/** One post's page; `file` is its pageFileFor. */
export function renderPostPage(ctx: PageContext, post: FullPost, file: string): string {
  const { config, text } = ctx;
  const root = rootFrom(file);
  const lang = post.lang ?? config.site.language;
  return ctx.pages.render('post.html.liquid', {
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
      dateText: ctx.formatDate(post.date),
      readingText: text.minutes(post.readingTime),
      categories: termLinks(ctx, root, 'category', post.categories),
      tags: termLinks(ctx, root, 'tag', post.tags),
    },
  });
}

/** The front page (the first INDEX_POSTS of `latest`, newest first) and the pages' stylesheet. */
export function siteFiles(ctx: PageContext, latest: FullPost[]): OutputFile[] {
  return [
    { path: 'index.html', contents: renderIndex(ctx, latest.slice(0, INDEX_POSTS)) },
    { path: 'site.css', contents: readFileSync(templateFile(ctx.templatesDir, 'site.css'), 'utf8') },
  ];
}

/**
 * The pages one at a time, so a build over 10,000 posts holds one rendered body at a time
 * (pass a lazy iterable that loads each post as it is reached). Every template is parsed once;
 * each post costs one render. `pages` are newest first, each with its page file (as
 * selectPublished decided it); the front page lists the first ones.
 * (The build renders large sites on several threads instead: build/page-threads.ts.)
 */
export function* renderPageFiles(ctx: PageContext, pages: Iterable<{ post: FullPost; file: string }>): Generator<OutputFile> {
  const latest: FullPost[] = [];
  for (const { post, file } of pages) {
    if (latest.length < INDEX_POSTS) latest.push(post);
    yield { path: file, contents: renderPostPage(ctx, post, file) };
  }
  yield* siteFiles(ctx, latest);
}

/** A post's categories or tags, each with the URL of its feed; no `href` when that kind of feed is off (feeds.perCategory / perTag). */
function termLinks(ctx: PageContext, root: string, kind: 'category' | 'tag', terms: string[]): { name: string; href?: string }[] {
  const built = kind === 'category' ? ctx.config.feeds.perCategory : ctx.config.feeds.perTag;
  return [...new Set(terms)]
    .filter((term) => term.trim() !== '')
    .map((name) => (built ? { name, href: `${root}${ctx.termDir(kind, name)}/${FEED_FILES.rss}` } : { name }));
}

/** `/a/b/` → `a/b/`; `./` first when the first segment holds a colon (`notes:2025/` would read as a URI scheme). */
function relativeHref(path: string): string {
  const relative = path.replace(/^\//, '');
  return /^[^/]*:/.test(relative) ? `./${relative}` : relative;
}

function renderIndex(ctx: PageContext, posts: FullPost[]): string {
  const { config } = ctx;
  const latest = posts.map((post) => ({
    title: post.title,
    // Relative and still percent-encoded: the front page sits at the site root.
    href: relativeHref(post.path),
    lang: post.lang ?? config.site.language,
    dateIso: post.date.toISOString(),
    dateText: ctx.formatDate(post.date),
    // The allow-listed excerpt (content/excerpt.ts): one post's <style> or script must not
    // reach the whole front page. The post's own page keeps its HTML as written.
    excerptHtml: safeExcerpt(post.excerptHtml).html,
  }));
  return ctx.pages.render('index.html.liquid', {
    root: '',
    lang: config.site.language,
    title: config.site.title,
    description: config.site.description,
    canonical: config.site.url,
    posts: latest,
  });
}
