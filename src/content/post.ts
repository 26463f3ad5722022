/**
 * The one post shape that every other module reads.
 *
 * Loading is split in two so that a feed build over 10,000 posts reads every post's front
 * matter but the body of only the posts it shows:
 *   - `Post` is what front matter and the file name give (cheap; known for every post);
 *   - `PostContent` is what the Markdown body gives (rendered on demand, see content/load.ts).
 * `FullPost` is both; feeds, digests and pages take `FullPost`.
 */
export interface Author {
  name: string;
  email?: string;
  url?: string;
}

export interface Post {
  /**
   * Stable id used as RSS guid, Atom id, JSON Feed id and digest ledger key:
   * `tag:<host>,<YYYY-MM-DD of first publication>:<source path relative to the posts folder>`
   * (RFC 4151), unless front matter sets `id:`. It does not change with title, body, package
   * versions or build machine; two files can't share it.
   */
  id: string;
  /** Source file, relative to the posts folder, with forward slashes. */
  file: string;
  /** Absolute path of the source file (for error messages and lazy body loading). */
  absolutePath: string;
  slug: string;
  title: string;
  /** Publication time (UTC instant). */
  date: Date;
  /** last_modified_at / updated, else `date`. */
  updated: Date;
  author: Author;
  categories: string[];
  tags: string[];
  /** Site-relative URL path, percent-encoded, starting with `/` (e.g. `/2025/12/17/hello/`). */
  path: string;
  /** Absolute, percent-encoded URL of the post page. */
  url: string;
  /**
   * The front-matter keys that shaped `path`, each with its line (1-based, the opening `---` is
   * line 1; 0 when the key is set but its line was not found): `permalink` when the post sets its
   * own, `slug`, and `categories` / `category`. A key the post doesn't set is absent. Only read
   * to name the line of a problem with the URL or page file (content/page-files.ts).
   */
  pathKeys?: PathKeys;
  /** Front-matter `excerpt`, as Markdown, when given. */
  excerptSource?: string;
  /** Front-matter `excerpt_separator` (Jekyll), when given; the default separator is `<!--more-->`. */
  excerptSeparator?: string;
  /** Front-matter `reading_time` in minutes, when given. */
  readingTimeOverride?: number;
  /** Language of the post when front matter sets `lang`, else undefined (site language applies). */
  lang?: string;
  /** Byte offset where the Markdown body starts in the file (after the front matter). */
  bodyOffset: number;
}

export interface PathKeys {
  permalink?: number;
  slug?: number;
  categories?: number;
  category?: number;
}

export interface PostContent {
  /** Full body as HTML, with relative links and images made absolute. */
  html: string;
  /** Excerpt as HTML (front-matter `excerpt`, else text before `<!--more-->`, else first paragraph). */
  excerptHtml: string;
  /** The same excerpt as plain text. */
  excerptText: string;
  /** Minutes, from `reading_time` or computed (Japanese by characters, English by words). */
  readingTime: number;
}

export type FullPost = Post & PostContent;

/** Why a post file was left out of the published set. */
export type SkipReason = 'draft' | 'unpublished' | 'future' | 'error';

/** A problem with one post file: printed as `file:line: message (fix)`. */
export interface PostProblem {
  file: string;
  line?: number;
  message: string;
  fix: string;
}

export function formatProblem(p: PostProblem): string {
  return `${p.file}${p.line ? `:${p.line}` : ''}: ${p.message}. Fix: ${p.fix}`;
}
