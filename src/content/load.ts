/**
 * The I/O edge of content/: reads post files and hands their text to the pure parser.
 *
 * A feed build over 10,000 posts must not decode every body, so `readPostHead` reads only up to
 * the closing `---` of the front matter, and bodies are read (from `post.bodyOffset`) only for
 * the posts a feed or page shows.
 */
import { isUtf8 } from 'node:buffer';
import { closeSync, openSync, readSync } from 'node:fs';
import type { Config } from '../config/load.js';
import type { PostFile } from './files.js';
import { listPostFiles } from './files.js';
import { readRange } from './body.js';
import { checkPostPath, clashProblem, PageClaims, pathProblem } from './page-files.js';
import { parsePostHead, type ParsedEntry, type PostFileRef } from './parse.js';
import type { Post, PostProblem, SkipReason } from './post.js';

export { loadContent, loadFull, readBody } from './body.js';

const FIRST_CHUNK = 4096;
/** How much body is read to find the first heading when front matter has no title. */
const TITLE_SEARCH_BYTES = 16 * 1024;

export interface HeadBytes {
  /** The file's start up to and including the closing `---` line, or '' without front matter. */
  head: string;
  /** Byte offset of the body. */
  bodyOffset: number;
}

/** Front matter that is not UTF-8 (a file saved as Shift_JIS or Windows-1252): the first such line, 1-based. */
export interface NotUtf8 {
  notUtf8: number;
}

const DASH = 0x2d;
const DOT = 0x2e;
const LF = 0x0a;
const CR = 0x0d;

/**
 * Length of `---` + optional spaces + line end at `at`, or -1; 0 means "need more bytes".
 * `orDots`: `...` counts too (YAML's document end closes a front matter, in Jekyll as well).
 */
function delimiterLineLength(buf: Buffer, at: number, length: number, eof: boolean, orDots = false): number {
  if (at + 3 > length) return eof ? -1 : 0;
  const mark = buf[at] === DOT && orDots ? DOT : DASH;
  if (buf[at] !== mark || buf[at + 1] !== mark || buf[at + 2] !== mark) return -1;
  let i = at + 3;
  while (i < length && (buf[i] === 0x20 || buf[i] === 0x09)) i++;
  if (i === length) return eof ? i - at : 0;
  if (buf[i] === LF) return i + 1 - at;
  if (buf[i] === CR) {
    if (i + 1 === length) return eof ? i + 1 - at : 0;
    if (buf[i + 1] === LF) return i + 2 - at;
  }
  return -1;
}

/**
 * Reads the front matter block of an open file: 4 KB first, doubling until the closing `---`
 * line (or the end of the file) is in the buffer. Only those bytes are decoded. `read` is
 * `fs.readSync` (tests pass a counting wrapper).
 */
export function readHeadBytes(fd: number, read: typeof readSync = readSync): HeadBytes | NotUtf8 | { unclosed: true } {
  let buf = Buffer.allocUnsafe(FIRST_CHUNK);
  let length = 0;
  let eof = false;
  const fill = (): void => {
    if (length === buf.length) {
      const bigger = Buffer.allocUnsafe(buf.length * 2);
      buf.copy(bigger, 0, 0, length);
      buf = bigger;
    }
    const n = read(fd, buf, length, buf.length - length, length);
    if (n === 0) eof = true;
    length += n;
  };

  fill();
  const bom = length >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf ? 3 : 0;
  let open = delimiterLineLength(buf, bom, length, eof);
  while (open === 0) {
    fill();
    open = delimiterLineLength(buf, bom, length, eof);
  }
  // Front matter exists only as a `---` block at the very start: anything else is body.
  if (open < 0 || buf[bom + open - 1] !== LF) return { head: '', bodyOffset: 0 };

  let lineStart = bom + open;
  for (;;) {
    const close = delimiterLineLength(buf, lineStart, length, eof, true);
    if (close > 0) {
      const end = lineStart + close;
      if (!isUtf8(buf.subarray(0, end))) return { notUtf8: firstLineNotUtf8(buf.subarray(0, end)) };
      return { head: buf.toString('utf8', 0, end), bodyOffset: end };
    }
    if (close === 0) {
      fill();
      continue;
    }
    const next = buf.indexOf(LF, lineStart);
    if (next >= 0 && next < length) {
      lineStart = next + 1;
      continue;
    }
    if (eof) return { unclosed: true };
    fill();
  }
}

/** 1-based line of the first byte sequence that is not UTF-8 (a character never spans a line end: LF is one byte). */
function firstLineNotUtf8(bytes: Buffer): number {
  let line = 1;
  let start = 0;
  while (start < bytes.length) {
    const end = bytes.indexOf(LF, start);
    const stop = end < 0 ? bytes.length : end;
    if (!isUtf8(bytes.subarray(start, stop))) return line;
    line++;
    start = stop + 1;
  }
  return 1;
}

function unreadable(file: PostFileRef, error: unknown): ParsedEntry {
  const code = (error as NodeJS.ErrnoException).code;
  return {
    ok: false,
    problem: {
      file: file.file,
      message: `cannot read the file (${code ?? (error as Error).message})`,
      fix: code === 'EACCES' ? 'make the file readable' : code === 'ENOENT' ? 'check that the file exists (a symbolic link must point to an existing file), or remove it' : 'check that the file exists and is a readable file',
    },
  };
}

/** Front matter of one post file → `ParsedEntry`. Never throws. */
export function readPostHead(file: PostFile | PostFileRef, config: Config): ParsedEntry {
  let fd: number;
  try {
    fd = openSync(file.absolutePath, 'r');
  } catch (error) {
    return unreadable(file, error);
  }
  try {
    const result = readHeadBytes(fd);
    if ('unclosed' in result) {
      return {
        ok: false,
        problem: {
          file: file.file,
          line: 1,
          message: 'front matter opened with `---` on line 1 is never closed',
          fix: 'add a line with just `---` after the last front-matter key',
        },
      };
    }
    if ('notUtf8' in result) {
      // Decoded anyway, the title would show U+FFFD and, worse, the body would start at the
      // wrong byte. Jekyll stops the build here ("invalid byte sequence in UTF-8").
      return {
        ok: false,
        problem: {
          file: file.file,
          line: result.notUtf8,
          message: 'the front matter is not UTF-8 text (the file looks saved as Shift_JIS, Windows-1252 or another legacy encoding)',
          fix: 'save the file as UTF-8 (in most editors: Save with Encoding → UTF-8)',
        },
      };
    }
    return parsePostHead(result.head, file, config, () => readRange(fd, result.bodyOffset, TITLE_SEARCH_BYTES));
  } catch (error) {
    return unreadable(file, error);
  } finally {
    closeSync(fd);
  }
}

export interface Selection {
  /** Newest first (ties: by file name). */
  posts: Post[];
  /**
   * With `site.pages`, each post of `posts` (in that order) with its page file, relative to the
   * output folder (content/page-files.ts): decided here, once, for every writer. Empty without pages.
   */
  pages: { post: Post; file: string }[];
  skipped: { file: string; reason: SkipReason; problem?: PostProblem }[];
  problems: PostProblem[];
}

/**
 * The posts a build publishes at `now`: drafts, `published: false` and posts dated after `now`
 * are left out. A post whose URL or page file can't be used (content/page-files.ts: a `..`
 * segment, the front page, a page file that can't be written or is one of the build's own) is
 * left out with a problem naming the front-matter key to change. When two posts share a URL, an
 * id or a page file, the one published first (then: the first by file name) stays, since readers
 * may already have it; the other is left out with a problem naming both files.
 */
export function selectPublished(entries: ParsedEntry[], now: Date, config: Pick<Config, 'site' | 'feeds'>): Selection {
  const skipped: Selection['skipped'] = [];
  const problems: PostProblem[] = [];
  const candidates: Post[] = [];
  for (const entry of entries) {
    if (entry.ok && entry.warnings) problems.push(...entry.warnings);
    if (!entry.ok) {
      skipped.push({ file: entry.problem.file, reason: 'error', problem: entry.problem });
      problems.push(entry.problem);
    } else if (entry.status !== 'published') {
      skipped.push({ file: entry.post.file, reason: entry.status });
    } else if (entry.post.date.getTime() > now.getTime()) {
      skipped.push({ file: entry.post.file, reason: 'future' });
    } else {
      candidates.push(entry.post);
    }
  }

  candidates.sort((a, b) => a.date.getTime() - b.date.getTime() || compareText(a.file, b.file));
  const leaveOut = (post: Post, problem: PostProblem): void => {
    skipped.push({ file: post.file, reason: 'error', problem });
    problems.push(problem);
  };
  const byUrl = new Map<string, Post>();
  const byId = new Map<string, Post>();
  const claims = new PageClaims();
  const pageFile = new Map<Post, string>();
  const posts: Post[] = [];
  for (const post of candidates) {
    // Its own path first: a post that can't be published claims no URL or page.
    const own = checkPostPath(post, config);
    if (!own.ok) {
      leaveOut(post, pathProblem(post, own.issue, config.site.url));
      continue;
    }
    const sameUrl = byUrl.get(post.url);
    const sameId = byId.get(post.id);
    const clash = sameUrl ?? sameId;
    if (clash) {
      const what = sameUrl ? `URL ${post.url}` : `id ${post.id}`;
      leaveOut(post, {
        file: post.file,
        message: `has the same ${what} as ${clash.file}; it is left out and ${clash.file} (published first) is kept`,
        fix: sameUrl
          ? `give one of ${clash.file} and ${post.file} a different \`slug:\` or \`permalink:\``
          : `give one of ${clash.file} and ${post.file} a different \`id:\` (or remove the \`id:\` key)`,
      });
      continue;
    }
    if (own.file !== undefined) {
      const samePage = claims.clash(own.file);
      if (samePage) {
        leaveOut(post, clashProblem(post, own.file, samePage));
        continue;
      }
      claims.claim(own.file, post);
      pageFile.set(post, own.file);
    }
    byUrl.set(post.url, post);
    byId.set(post.id, post);
    posts.push(post);
  }
  posts.sort((a, b) => b.date.getTime() - a.date.getTime() || compareText(a.file, b.file));
  const pages = config.site.pages ? posts.map((post) => ({ post, file: pageFile.get(post)! })) : [];
  return { posts, pages, skipped, problems };
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** List + read every front matter + select: the published posts at `now`, newest first. */
export function loadPosts(postsDir: string, config: Config, now: Date): Selection {
  return selectPublished(
    listPostFiles(postsDir).map((file) => readPostHead(file, config)),
    now,
    config,
  );
}
