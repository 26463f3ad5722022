/**
 * A post's body: read from the file (after the front matter, at `post.bodyOffset`), decoded and
 * rendered. Apart from the front-matter parser (parse.ts, with YAML and zod) so that the
 * page-rendering threads load only what rendering needs.
 */
import { isUtf8, transcode } from 'node:buffer';
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import type { Config } from '../config/load.js';
import { renderBody, renderMarkdown } from './markdown.js';
import type { FullPost, Post, PostContent } from './post.js';
import { htmlToText, normalizeNewlines, readingMinutesOfHtml, stripXmlInvalid } from './text.js';

export const DEFAULT_EXCERPT_SEPARATOR = '<!--more-->';

/**
 * Bytes read go into one buffer kept for the next read (they are decoded to a string at once):
 * a fresh buffer the size of each post body cost page faults on every post.
 */
let scratch = Buffer.alloc(0);
const SCRATCH_MAX = 4 * 1024 * 1024;

/** Up to `maxBytes` of an open file from `offset`, decoded. */
export function readRange(fd: number, offset: number, maxBytes: number): string {
  const size = fstatSync(fd).size;
  const want = Math.max(0, Math.min(maxBytes, size - offset));
  // (An unusually large body gets a buffer of its own, not kept.)
  if (scratch.length < want && want <= SCRATCH_MAX) scratch = Buffer.allocUnsafeSlow(Math.max(want, Math.min(scratch.length * 2, SCRATCH_MAX), 64 * 1024));
  const buf = want <= scratch.length ? scratch : Buffer.allocUnsafe(want);
  let got = 0;
  while (got < want) {
    const n = readSync(fd, buf, got, want - got, offset + got);
    if (n === 0) break;
    got += n;
  }
  return decodeUtf8(buf.subarray(0, got));
}

/**
 * UTF-8 bytes → string, as TextDecoder('utf-8') decodes them (BOM dropped, bad bytes → U+FFFD;
 * a cut in the middle of a character only costs a replacement character at the very end).
 * Valid input, nearly every file, is converted to UTF-16 by `transcode` (SIMD) and taken as is:
 * several times faster on Japanese text than TextDecoder or `toString('utf8')`, which both
 * decode a character at a time (about 2 s for the 330 MB of a 10,000-post site).
 */
function decodeUtf8(bytes: Buffer): string {
  if (!isUtf8(bytes)) return new TextDecoder('utf-8').decode(bytes);
  const text = transcode(bytes, 'utf8', 'utf16le').toString('utf16le');
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** The Markdown body of a post (from `post.bodyOffset` to the end of the file). */
export function readBody(post: Post): string {
  let fd: number;
  try {
    fd = openSync(post.absolutePath, 'r');
  } catch (error) {
    throw new Error(`${post.file}: cannot read the post body (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); the file changed during the build, run it again`);
  }
  try {
    return readRange(fd, post.bodyOffset, Number.MAX_SAFE_INTEGER);
  } finally {
    closeSync(fd);
  }
}

/** Reads the body from `post.bodyOffset` and renders it. Throws (naming the file) if the file has gone. */
export function loadContent(post: Post, config: Config): PostContent {
  return renderPostContent(post, readBody(post), config);
}

export function loadFull(post: Post, config: Config): FullPost {
  return { ...post, ...loadContent(post, config) };
}

/**
 * An excerpt cut from the body, with the body's link definitions after it, as Jekyll does, so
 * that `[the docs][docs]` in the first paragraph is a link there too and not bracketed text.
 */
function withLinkDefinitions(excerpt: string, linkDefinitions: string): string {
  return linkDefinitions && excerpt.includes('[') ? `${excerpt}\n\n${linkDefinitions}` : excerpt;
}

/**
 * The Markdown body → HTML, excerpt and reading time. Relative links and images in both are
 * made absolute against the post's URL. The excerpt is the front-matter `excerpt` (Markdown),
 * else the body before the excerpt separator (`<!--more-->` unless `excerpt_separator` says
 * otherwise), else the first paragraph.
 */
export function renderPostContent(post: Post, body: string, config: Config): PostContent {
  void config; // Rendering needs only the post's URL today; config keeps the signature stable.
  const source = stripXmlInvalid(normalizeNewlines(body));
  const separator = post.excerptSource === undefined ? source.indexOf(post.excerptSeparator ?? DEFAULT_EXCERPT_SEPARATOR) : -1;
  const { html, firstBlock, linkDefinitions } = renderBody(source, post.url);

  let excerptMarkdown: string;
  if (post.excerptSource !== undefined) {
    excerptMarkdown = stripXmlInvalid(normalizeNewlines(post.excerptSource));
  } else {
    // The first paragraph when there is neither an `excerpt` key nor a separator.
    excerptMarkdown = withLinkDefinitions(separator >= 0 ? source.slice(0, separator) : firstBlock, linkDefinitions);
  }
  const excerptHtml = excerptMarkdown.trim() ? renderMarkdown(excerptMarkdown, post.url).trim() : '';
  const readingTime = post.readingTimeOverride ?? readingMinutesOfHtml(html);
  return { html, excerptHtml, excerptText: htmlToText(excerptHtml), readingTime };
}
