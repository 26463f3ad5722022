/**
 * Whether a post's URL can be published, and where its page goes: decided once, when the
 * published posts are selected (content/load.ts, selectPublished), so that a post with an
 * unusable path is left out with a problem, like any other broken post, before a feed links to
 * it or a page is written. Pure: nothing here touches the file system.
 *
 * Two kinds of check:
 *   - the URL (always): a `.` or `..` segment makes the link resolve to another page, `/` is
 *     the site's front page, and `/feed.xml` (or any other file the build writes) is not a post;
 *   - the page file (only with `site.pages`): the decoded path must be a file name the output
 *     folder can hold (valid percent-encoding, no `/`, `\` or NUL inside a segment, names of at
 *     most 255 bytes), must not be a file the build writes itself (feeds, stylesheets, the front
 *     page), and must not be another post's page (PageClaims).
 */
import type { Config } from '../config/schema.js';
import { FALLBACK_CSS_FILE, FEED_FILES, STYLESHEET_FILE } from '../feeds/entry.js';
import type { Post, PostProblem } from './post.js';

/** Longest file or folder name file systems take (ext4, XFS, btrfs, APFS: 255 bytes). */
export const MAX_NAME_BYTES = 255;
/**
 * Room kept in a page's own file name (`…/name.html`) for the temporary name the build writes
 * first (build/write.ts: `.<name>.<pid>-<thread>.tmp`).
 */
const TEMP_NAME_ROOM = 32;

/** What makes a post's path unusable. `segment` is as written in the path (percent-encoded). */
export type PathIssue =
  | { kind: 'front-page' }
  | { kind: 'dot-segment'; segment: string }
  | { kind: 'hidden-segment'; segment: string }
  | { kind: 'not-utf8'; segment: string }
  | { kind: 'separator'; segment: string; value: string }
  | { kind: 'too-long'; value: string; bytes: number; limit: number; folder: boolean }
  | { kind: 'build-file'; file: string; builds: string; value: string };

export type PagePath = { ok: true; file: string } | { ok: false; issue: PathIssue };

/** `.` and `..`, also percent-encoded (`%2e`), as a URL parser reads them. */
function isDotSegment(segment: string): boolean {
  const dots = segment.replace(/%2e/gi, '.');
  return dots === '.' || dots === '..';
}

/** The URL checks: a path whose link would not be a page of its own. Undefined when it is fine. */
export function urlIssue(path: string): PathIssue | undefined {
  const segments = path.split('/').filter((s) => s !== '');
  const dot = segments.find(isDotSegment);
  if (dot !== undefined) return { kind: 'dot-segment', segment: dot };
  if (segments.length === 0) return { kind: 'front-page' };
  return undefined;
}

/**
 * The output file for a post path: the path decoded (the file system holds the real characters;
 * a static server decodes the request URL the same way) + `index.html`, or the path itself when
 * it ends in a file name (`/about.html`). Checks the URL first (urlIssue), then that every
 * segment is one file or folder name.
 */
export function pagePath(path: string): PagePath {
  const issue = urlIssue(path);
  if (issue) return { ok: false, issue };
  const raw = path.split('/').filter((s) => s !== '');
  // `.notes`: a hidden name, which `tayori start` (and many static servers) never serve.
  const hidden = raw.find((segment) => segment.replace(/%2e/gi, '.').startsWith('.'));
  if (hidden !== undefined) return { ok: false, issue: { kind: 'hidden-segment', segment: hidden } };
  const decoded: string[] = [];
  for (const segment of raw) {
    let value: string;
    try {
      value = decodeURIComponent(segment);
    } catch {
      return { ok: false, issue: { kind: 'not-utf8', segment } };
    }
    if (/[/\\\0]/.test(value)) return { ok: false, issue: { kind: 'separator', segment, value } };
    decoded.push(value);
  }
  const last = decoded[decoded.length - 1]!;
  const ownFile = !path.endsWith('/') && /\.html?$/i.test(last);
  for (let i = 0; i < decoded.length; i++) {
    const value = decoded[i]!;
    const folder = !(ownFile && i === decoded.length - 1);
    const limit = folder ? MAX_NAME_BYTES : MAX_NAME_BYTES - TEMP_NAME_ROOM;
    const bytes = Buffer.byteLength(value, 'utf8');
    if (bytes > limit) return { ok: false, issue: { kind: 'too-long', value, bytes, limit, folder } };
  }
  return { ok: true, file: ownFile ? decoded.join('/') : `${decoded.join('/')}/index.html` };
}

/**
 * The file of the build's own (feeds, stylesheets, front page) that a page file would replace,
 * or whose folder it would need; undefined when there is none. Category and tag feeds live in
 * `categories/<name>/` and `tags/<name>/`; any page at `categories/<name>/feed.xml/…` is refused,
 * whether or not a post has that category yet.
 */
export function buildFileAt(file: string, config: Pick<Config, 'site' | 'feeds'>): { builds: string; value: string } | undefined {
  const segments = file.split('/');
  const feedFiles: string[] = [FEED_FILES.rss, FEED_FILES.atom, FEED_FILES.json];
  const rootFiles = [...feedFiles, STYLESHEET_FILE, FALLBACK_CSS_FILE];
  if (config.site.pages) rootFiles.push('index.html', 'site.css');
  const first = segments[0]!;
  if (rootFiles.includes(first)) return { builds: first, value: first };
  const termFolder = (first === 'categories' && config.feeds.perCategory) || (first === 'tags' && config.feeds.perTag);
  const third = segments[2];
  if (termFolder && third !== undefined && feedFiles.includes(third)) return { builds: segments.slice(0, 3).join('/'), value: third };
  return undefined;
}

/**
 * A post's own path checks: with `site.pages`, its page file (pagePath, then buildFileAt);
 * without, only the URL (urlIssue). Other posts' pages are PageClaims' part.
 */
export function checkPostPath(post: Pick<Post, 'path'>, config: Pick<Config, 'site' | 'feeds'>): { ok: true; file?: string } | { ok: false; issue: PathIssue } {
  if (!config.site.pages) {
    const issue = urlIssue(post.path) ?? ownFileAt(post.path, config);
    return issue ? { ok: false, issue } : { ok: true };
  }
  const page = pagePath(post.path);
  if (!page.ok) return page;
  const taken = buildFileAt(page.file, config);
  if (taken) return { ok: false, issue: { kind: 'build-file', file: page.file, ...taken } };
  return { ok: true, file: page.file };
}

/** Without pages: a URL that is exactly the address of one of the build's own files (`/feed.xml`). */
function ownFileAt(path: string, config: Pick<Config, 'site' | 'feeds'>): PathIssue | undefined {
  if (path.endsWith('/')) return undefined;
  let file: string;
  try {
    file = decodeURIComponent(path.replace(/^\/+/, ''));
  } catch {
    return undefined;
  }
  const taken = buildFileAt(file, config);
  return taken && taken.builds === file ? { kind: 'build-file', file, ...taken } : undefined;
}

/** A post's page file when checkPostPath accepts it on its own, else undefined (early pages: build/early-pages.ts). */
export function postPageFile(post: Pick<Post, 'path'>, config: Pick<Config, 'site' | 'feeds'>): string | undefined {
  const checked = checkPostPath(post, config);
  return checked.ok ? checked.file : undefined;
}

/** How another post's page stands in the way of a page file. */
export interface PageClash {
  /** The post that has the page: its source file and URL path. */
  owner: { file: string; path: string };
  /** `same`: one file; `file-in-folder`: the new page needs a folder where the owner's page file is; `folder-of-file`: the reverse. */
  how: 'same' | 'file-in-folder' | 'folder-of-file';
  /** The owner's page file. */
  file: string;
}

/**
 * Page files handed out so far. Two posts must not share one (the later one would overwrite the
 * first), and one post's page file must not be a folder another post's page needs
 * (`/a.html` and `/a.html/b/`).
 */
/** The folders above an output path, outermost first: `a/b/index.html` → `a`, `a/b`. */
export function* foldersAbove(file: string): Generator<string> {
  for (let slash = file.indexOf('/'); slash >= 0; slash = file.indexOf('/', slash + 1)) yield file.slice(0, slash);
}

export class PageClaims {
  private readonly files = new Map<string, { file: string; path: string }>();
  /** Folder → a page file below it. */
  private readonly folders = new Map<string, string>();

  clash(file: string): PageClash | undefined {
    const same = this.files.get(file);
    if (same !== undefined) return { owner: same, how: 'same', file };
    const below = this.folders.get(file);
    if (below !== undefined) return { owner: this.files.get(below)!, how: 'folder-of-file', file: below };
    for (const folder of foldersAbove(file)) {
      const owner = this.files.get(folder);
      if (owner !== undefined) return { owner, how: 'file-in-folder', file: folder };
    }
    return undefined;
  }

  claim(file: string, owner: { file: string; path: string }): void {
    this.files.set(file, { file: owner.file, path: owner.path });
    for (const folder of foldersAbove(file)) {
      if (!this.folders.has(folder)) this.folders.set(folder, file);
    }
  }
}

/** The front-matter key that put the offending part in a post's path, for the problem's line and fix. */
interface Culprit {
  key: 'permalink' | 'slug' | 'categories' | 'category' | 'file name' | 'config';
  line?: number;
}

/**
 * Which key is to blame for `value` (a decoded segment of the path), or for the whole path:
 * a front-matter `permalink:` decides the whole path; else a category (`:categories`) or the
 * slug (`:slug`, `:title`) that gave the segment; else the site's `permalink` pattern.
 */
function culprit(post: Post, value?: string): Culprit {
  const keys = post.pathKeys ?? {};
  const at = (key: Culprit['key'], line: number | undefined): Culprit => (line ? { key, line } : { key });
  if (keys.permalink !== undefined) return at('permalink', keys.permalink);
  if (value !== undefined) {
    const lower = value.toLowerCase();
    if (post.categories.some((c) => c.toLowerCase().split('/').includes(lower))) {
      if (keys.categories !== undefined) return at('categories', keys.categories);
      if (keys.category !== undefined) return at('category', keys.category);
    }
    if (value === post.slug) {
      return keys.slug !== undefined ? at('slug', keys.slug) : { key: 'file name' };
    }
  }
  return { key: 'config' };
}

function change(c: Culprit): string {
  switch (c.key) {
    case 'permalink':
      return 'change its `permalink:`';
    case 'slug':
      return 'change its `slug:`';
    case 'categories':
      return 'change that category in `categories:`';
    case 'category':
      return 'change its `category:`';
    case 'file name':
      return 'rename the file (or set `slug:`)';
    case 'config':
      return 'change the site-wide `permalink` in the config (or give the post its own `permalink:`)';
  }
}

function shortText(value: string): string {
  const chars = Array.from(value);
  return chars.length > 24 ? `${chars.slice(0, 24).join('')}…` : value;
}

/** A PathIssue of `post` as a problem: what is wrong, with the line and fix of the key to blame. */
export function pathProblem(post: Post, issue: PathIssue, siteUrl: string): PostProblem {
  let c: Culprit;
  let message: string;
  let fix: string;
  switch (issue.kind) {
    case 'front-page':
      c = culprit(post);
      message = `its URL path is "/", the site's front page (${siteUrl}), so it has no page of its own; it is left out`;
      fix = `${change(c)} to a path of its own, such as /about/ or /:year/:month/:day/:slug/`;
      break;
    case 'dot-segment': {
      c = culprit(post, issue.segment.replace(/%2e/gi, '.'));
      message = `its URL path ${post.path} has the segment "${issue.segment}", which browsers and feed readers resolve to another page (${post.url}); it is left out`;
      fix = `${change(c)} so that no part of the path is "." or ".."`;
      break;
    }
    case 'hidden-segment': {
      c = culprit(post, issue.segment.replace(/%2e/gi, '.'));
      message = `its URL path ${post.path} has the segment "${issue.segment}", a hidden name that tayori start and most web servers don't serve, so its link would answer 404; it is left out`;
      fix = `${change(c)} so that no part of the path starts with "."`;
      break;
    }
    case 'not-utf8':
      c = culprit(post);
      message = `its URL path ${post.path} has the segment "${issue.segment}", which is not valid percent-encoded UTF-8, so it names no page file; it is left out`;
      fix = `${change(c)}: write the characters themselves (/café/) or complete escapes (/caf%C3%A9/)`;
      break;
    case 'separator':
      c = culprit(post, issue.value);
      message = `its URL path ${post.path} has the segment "${issue.segment}", which is "${issue.value}" once decoded and would leave the output folder or its own folder; it is left out`;
      fix = `${change(c)}: write "/" itself between folders, and no "\\", %2F, %5C or %00`;
      break;
    case 'too-long': {
      c = culprit(post, issue.value);
      const what = issue.folder ? 'folder' : 'file';
      message = `its page ${what} name "${shortText(issue.value)}" is ${issue.bytes} bytes as UTF-8; file systems take at most ${issue.limit}, so the page could not be written; it is left out`;
      fix = `${change(c)} to a shorter name: at most ${issue.limit} bytes (about ${Math.floor(issue.limit / 3)} Japanese characters)`;
      break;
    }
    case 'build-file':
      c = culprit(post, issue.value);
      message =
        issue.file === issue.builds
          ? `its URL ${post.url} is the address of ${issue.builds}, which the build writes itself; it is left out`
          : `its page ${issue.file} would take the place of ${issue.builds}, which the build writes itself; it is left out`;
      fix = `${change(c)} to another path (feed.xml, atom.xml, feed.json, feed.xsl, feed.css, index.html, site.css and the feeds under categories/ and tags/ are the build's own)`;
      break;
  }
  return c.line ? { file: post.file, line: c.line, message, fix } : { file: post.file, message, fix };
}

/** Another post's page in the way of `post`'s page `file`, as a problem naming both files. */
export function clashProblem(post: Post, file: string, clash: PageClash): PostProblem {
  const owner = clash.owner.file;
  const kept = `it is left out and ${owner} (published first) is kept`;
  const message =
    clash.how === 'same'
      ? `its page ${file} is also the page of ${owner} (the URL paths ${post.path} and ${clash.owner.path} name one file); ${kept}`
      : clash.how === 'file-in-folder'
        ? `its page ${file} needs a folder ${clash.file}, which is the page of ${owner}; ${kept}`
        : `its page ${file} is a folder holding the page ${clash.file} of ${owner}; ${kept}`;
  const fix = `give one of ${owner} and ${post.file} a different \`slug:\` or \`permalink:\``;
  const c = culprit(post);
  const line = c.key === 'permalink' ? c.line : post.pathKeys?.slug;
  return line ? { file: post.file, line, message, fix } : { file: post.file, message, fix };
}
