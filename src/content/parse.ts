/**
 * One post file's front matter → `Post` (the body → `PostContent` is body.ts). Pure: the
 * caller reads the bytes (content/load.ts); nothing here touches the file system.
 */
import matter from 'gray-matter';
import { z } from 'zod';
import type { Config } from '../config/load.js';
import { parseDateValue, splitDatePrefix } from './dates.js';
import type { PostFile } from './files.js';
import { firstHeading } from './markdown.js';
import type { Author, PathKeys, Post, PostProblem } from './post.js';
import { normalizeNewlines, stripXmlInvalid } from './text.js';
import { encodePathText, expandPermalink, postUrl } from './urls.js';

export type PostStatus = 'published' | 'draft' | 'unpublished';
/** A post (with `warnings` about front matter it ignored), or the problem that leaves it out. */
export type ParsedEntry = { ok: true; post: Post; status: PostStatus; warnings?: PostProblem[] } | { ok: false; problem: PostProblem };
export type PostFileRef = Pick<PostFile, 'file' | 'absolutePath'>;

// Moved to body.ts (rendering threads load it without YAML and zod); kept here for callers.
export { DEFAULT_EXCERPT_SEPARATOR, renderPostContent } from './body.js';

const scalarText = z.union([z.string(), z.number()]).transform((v) => String(v));
const nameList = z
  .union([z.string(), z.number(), z.array(z.union([z.string(), z.number()])), z.null()], {
    error: 'a list such as ["news", "メモ"] or a space-separated string',
  })
  .optional();
const flag = z
  .union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true'), z.null()], { error: 'true or false' })
  .optional();

/** Keys tayori reads; any other key (layout, image, …) is allowed and ignored, as in Jekyll. */
const frontMatterSchema = z.looseObject({
  title: z.union([scalarText, z.null()], { error: 'a string' }).optional(),
  slug: z.union([scalarText, z.null()], { error: 'a string' }).optional(),
  id: z.union([scalarText, z.null()], { error: 'a string' }).optional(),
  permalink: z.union([z.string(), z.null()], { error: 'a path such as /about/ or /:year/:slug/' }).optional(),
  lang: z.union([z.string(), z.null()], { error: 'a language tag such as ja or en' }).optional(),
  categories: nameList,
  category: z.union([scalarText, z.null()], { error: 'one category name' }).optional(),
  tags: nameList,
  tag: z.union([scalarText, z.null()], { error: 'one tag name' }).optional(),
  author: z
    .union(
      [
        z.string(),
        z.null(),
        z.looseObject({ name: scalarText, email: z.string().optional(), url: z.string().optional() }),
      ],
      { error: 'a name, or a mapping with name and optional email and url' },
    )
    .optional(),
  excerpt: z.union([scalarText, z.null()], { error: 'Markdown text' }).optional(),
  excerpt_separator: z.union([z.string().min(1), z.null()], { error: 'a marker such as <!--more-->' }).optional(),
  reading_time: z
    .union([z.number().positive(), z.string().regex(/^\s*\d+(\.\d+)?\s*$/).transform(Number), z.null()], {
      error: 'a positive number of minutes',
    })
    .optional(),
  draft: flag,
  published: flag,
});
type FrontMatter = z.output<typeof frontMatterSchema>;

/** gray-matter's YAML parser (js-yaml) reports errors with a 0-based line within the front matter. */
interface YamlException extends Error {
  reason?: string;
  mark?: { line: number };
}

/**
 * The written text of a top-level `key: value` line, unquoted, for re-reading YAML timestamps:
 * js-yaml reads `2026-11-02` and `2026-11-02T10:00:00` as UTC, where Jekyll (and tayori) mean
 * the site's time zone, and a Date no longer says whether an offset was written.
 */
export function rawScalar(head: string, key: string): string | undefined {
  const escaped = key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const m = new RegExp(`^(["']?)${escaped}\\1[ \\t]*:[ \\t]*(?:"([^"\\n]*)"|'([^'\\n]*)'|([^#\\n]*?))[ \\t]*(?:#.*)?$`, 'm').exec(head);
  if (!m) return undefined;
  return (m[2] ?? m[3] ?? m[4] ?? '').trim() || undefined;
}

/**
 * 1-based line where a quoted value opens that no later line closes. A quoted value may run
 * over several lines in YAML, so a quote is followed to its end before the next one is looked at.
 */
function lineOfUnclosedQuote(text: string): number | undefined {
  const lines = text.split('\n');
  let open: { quote: string; line: number } | undefined;
  const closes = (quote: string, rest: string): boolean => (quote === '"' ? rest.replace(/\\./g, '') : rest.replace(/''/g, '')).includes(quote);
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    if (open) {
      if (closes(open.quote, line)) open = undefined;
      continue;
    }
    const m = /^\s*(?:-\s+|[^#\s"'][^:]*:\s+)(["'])(.*)$/.exec(line);
    if (m && !closes(m[1]!, m[2]!)) open = { quote: m[1]!, line: i + 1 };
  }
  return open?.line;
}

/**
 * A post's `lang:` as a BCP 47 tag (Atom's xml:lang, JSON Feed's language, the page's lang):
 * Jekyll's common `en_US` becomes `en-US`, case is canonical; undefined when it is no tag at all.
 */
function languageTag(value: string): string | undefined {
  const tag = value.trim().replace(/_/g, '-');
  try {
    return Intl.getCanonicalLocales(tag)[0];
  } catch {
    // Private-use (`x-private`) and grandfathered (`i-klingon`, `zh-min-nan`) tags are BCP 47
    // too, though Intl refuses them: kept as written.
    return /^x(?:-[a-z0-9]{1,8})+$/i.test(tag) || GRANDFATHERED.has(tag.toLowerCase()) ? tag : undefined;
  }
}

/** RFC 5646's grandfathered tags (section 2.2.8), which Intl refuses. */
const GRANDFATHERED = new Set([
  'en-gb-oed', 'i-ami', 'i-bnn', 'i-default', 'i-enochian', 'i-hak', 'i-klingon', 'i-lux', 'i-mingo', 'i-navajo', 'i-pwn',
  'i-tao', 'i-tay', 'i-tsu', 'sgn-be-fr', 'sgn-be-nl', 'sgn-ch-de', 'art-lojban', 'cel-gaulish', 'no-bok', 'no-nyn',
  'zh-guoyu', 'zh-hakka', 'zh-min', 'zh-min-nan', 'zh-xiang',
]);

/** Keys whose value is text, however YAML would type it. */
const TEXT_KEYS = ['title', 'slug', 'id', 'category', 'tag', 'excerpt'] as const;

/**
 * `title: 2024-01-01` or `title: true` is text to a writer (a diary's date title) and to Jekyll,
 * which prints it as written; YAML makes a Date or a boolean of it. Those values of text keys are
 * taken back as written.
 */
function asWrittenText(raw: Record<string, unknown>, head: string): Record<string, unknown> {
  let copy: Record<string, unknown> | undefined;
  for (const key of TEXT_KEYS) {
    const value = raw[key];
    if (!(value instanceof Date) && typeof value !== 'boolean') continue;
    copy ??= { ...raw };
    copy[key] = rawScalar(head, key) ?? String(value);
  }
  return copy ?? raw;
}

/** A front matter closed by `...` (YAML's document end, which Jekyll accepts too), as if by `---`. */
function closedWithDashes(text: string): string {
  return /\n\.\.\.[ \t]*\n?$/.test(text) ? text.replace(/\n\.\.\.([ \t]*\n?)$/, '\n---$1') : text;
}

/** Characters js-yaml refuses beyond what stripXmlInvalid removes (DEL and most C1 controls). */
function stripYamlNonPrintable(s: string): string {
  return /[\x7f-\x84\x86-\x9f]/.test(s) ? s.replace(/[\x7f-\x84\x86-\x9f]/g, '') : s;
}

/** A front-matter date value: YAML Dates are re-read from the text as written. */
function dateValue(value: unknown, head: string, key: string): unknown {
  return value instanceof Date ? (rawScalar(head, key) ?? value) : value;
}

/** 1-based line of a top-level `key:` in the (normalised) head, counting the opening `---` as line 1. */
export function lineOfKey(head: string, key: string): number | undefined {
  const escaped = key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const m = new RegExp(`^(["']?)${escaped}\\1[ \\t]*:`, 'm').exec(head);
  return m ? head.slice(0, m.index).split('\n').length : undefined;
}

function fileBaseName(file: string): string {
  const name = file.slice(file.lastIndexOf('/') + 1);
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(0, dot) : name;
}

function withoutExtension(file: string): string {
  const slash = file.lastIndexOf('/');
  const dot = file.lastIndexOf('.');
  return dot > slash + 1 ? file.slice(0, dot) : file;
}

/** `hello-world` → `Hello World` (Jekyll's titleize_slug); other scripts are kept as written. */
function titleFromSlug(slug: string): string {
  return slug
    .split(/[-_\s]+/)
    .filter(Boolean)
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join(' ');
}

/** Trims, drops empties and duplicates (first one wins), removes XML-invalid characters. */
function cleanNames(values: (string | undefined)[]): string[] {
  const out: string[] = [];
  for (const v of values) {
    const name = stripXmlInvalid(v ?? '').trim();
    if (name && !out.includes(name)) out.push(name);
  }
  return out;
}

/** Jekyll: a list, or a string split on whitespace. */
function splitNames(value: string | number | (string | number)[] | null | undefined): string[] {
  if (value === null || value === undefined) return [];
  if (Array.isArray(value)) return value.map(String);
  return String(value).split(/\s+/);
}

function toAuthor(value: FrontMatter['author'], fallback: Author): Author {
  if (value === null || value === undefined) return fallback;
  if (typeof value === 'string') {
    const name = stripXmlInvalid(value).trim();
    return name ? { name } : fallback;
  }
  const author: Author = { name: stripXmlInvalid(value.name).trim() || fallback.name };
  if (value.email) author.email = stripXmlInvalid(value.email).trim();
  if (value.url) author.url = stripXmlInvalid(value.url).trim();
  return author;
}

/** Post.pathKeys: the keys this front matter sets that shape the post's path, with their lines. */
function pathKeys(head: string, data: FrontMatter): PathKeys {
  const keys: PathKeys = {};
  const set = (key: keyof PathKeys, value: unknown): void => {
    if (value !== undefined && value !== null && String(value).trim() !== '') keys[key] = lineOfKey(head, key) ?? 0;
  };
  set('permalink', data.permalink);
  set('slug', data.slug);
  set('categories', data.categories);
  set('category', data.category);
  return keys;
}

/** RFC 4151 tag URI: `tag:<host>,<YYYY-MM-DD, UTC>:<path without extension>`. */
export function tagUri(siteUrl: string, date: Date, file: string): string {
  const host = new URL(siteUrl).hostname;
  return `tag:${host},${date.toISOString().slice(0, 10)}:${encodePathText(withoutExtension(file))}`;
}

/**
 * Front matter → `Post`. `head` is the start of the file up to and including the closing `---`
 * line, exactly as read (BOM and CRLF allowed), or '' when the file has none; its UTF-8 length is
 * the body offset (load.ts passes only heads that were valid UTF-8, so that length is the bytes'). `readBodyStart` is called only when no title is given, to find the first
 * heading. Never throws: a broken post gives `{ ok: false, problem }`.
 */
export function parsePostHead(head: string, file: PostFileRef, config: Config, readBodyStart?: () => string): ParsedEntry {
  const problem = (message: string, fix: string, line?: number): ParsedEntry => ({
    ok: false,
    problem: line === undefined ? { file: file.file, message, fix } : { file: file.file, line, message, fix },
  });
  // Control characters go before the YAML parser sees them (it refuses them), as they go from
  // every other text; lines stay where they were, for the line numbers in problems.
  const text = closedWithDashes(stripYamlNonPrintable(stripXmlInvalid(normalizeNewlines(head))));
  const hasFrontMatter = /^---[ \t]*(\n|$)/.test(text);

  let data: FrontMatter;
  if (hasFrontMatter) {
    let raw: unknown;
    try {
      // With an options object: without one, gray-matter keeps every parsed file in a cache.
      raw = matter(text, { language: 'yaml' }).data;
    } catch (error) {
      const e = error as YamlException;
      if (e.name === 'YAMLException' && e.mark) {
        // A quote never closed runs to the end of the front matter, where the parser stops:
        // the line to fix is where it opened.
        if (/within a (?:double|single) quoted scalar/.test(e.reason ?? '')) {
          const opened = lineOfUnclosedQuote(text);
          if (opened !== undefined) return problem('front matter is not valid YAML: a quoted value is never closed', 'add the closing quote at the end of that line', opened);
        }
        // The parser sees the text after the opening `---`, so its line 0 is the file's line 1.
        return problem(
          `front matter is not valid YAML: ${e.reason ?? e.message.split('\n')[0]}`,
          'fix the YAML syntax on that line (quote values that contain ": " or start with [, {, *, & or #)',
          e.mark.line + 1,
        );
      }
      return problem(`front matter could not be read: ${e.message}`, 'check the YAML between the two `---` lines');
    }
    if (raw === null || raw === undefined) raw = {};
    if (typeof raw !== 'object' || Array.isArray(raw)) {
      return problem('front matter is not a mapping of keys to values', 'write it as `key: value` lines between the two `---` lines', 2);
    }
    const checked = frontMatterSchema.safeParse(asWrittenText(raw as Record<string, unknown>, text));
    if (!checked.success) {
      const issue = checked.error.issues[0]!;
      const key = String(issue.path[0] ?? '');
      const got = (raw as Record<string, unknown>)[key];
      return problem(
        `front matter \`${issue.path.join('.')}\`: got ${JSON.stringify(got)}, expected ${issue.message.replace(/^Invalid input: /, '')}`,
        `change or remove the \`${key}\` key`,
        lineOfKey(text, key),
      );
    }
    data = checked.data;
  } else {
    data = {};
  }

  const base = fileBaseName(file.file);
  const prefix = splitDatePrefix(base);
  const timeZone = config.site.timezone;

  // Date: front matter, else the file name prefix; no date at all is an error, since a feed
  // item needs a date that stays the same from build to build (Jekyll would use the mtime).
  let date: Date;
  if (data.date !== undefined && data.date !== null) {
    const parsed = parseDateValue(dateValue(data.date, text, 'date'), timeZone);
    if (!parsed.ok) {
      return problem(`\`date\`: ${parsed.reason}`, 'write the date as 2026-11-02 20:38:36 +0900 (or remove the key and name the file 2026-11-02-slug.md)', lineOfKey(text, 'date'));
    }
    date = parsed.date;
  } else if (prefix) {
    const parsed = parseDateValue(prefix.date, timeZone);
    if (!parsed.ok) return problem(`file name date prefix: ${parsed.reason}`, 'rename the file to YYYY-MM-DD-slug.md with a real date');
    date = parsed.date;
  } else if (!hasFrontMatter) {
    return problem('no front matter and no date in the file name', 'start the file with `---`, `title:`, `date: 2026-11-02 20:38:36 +0900`, `---`, or name it 2026-11-02-slug.md');
  } else {
    return problem('no `date` key and no date in the file name', 'add `date: 2026-11-02 20:38:36 +0900` to the front matter, or name the file 2026-11-02-slug.md', 1);
  }

  let updated = date;
  for (const key of ['last_modified_at', 'updated'] as const) {
    const value = (data as Record<string, unknown>)[key];
    if (value === undefined || value === null) continue;
    const parsed = parseDateValue(dateValue(value, text, key), timeZone);
    if (!parsed.ok) return problem(`\`${key}\`: ${parsed.reason}`, `write it as 2026-11-02 20:38:36 +0900, or remove \`${key}\``, lineOfKey(text, key));
    updated = parsed.date;
    break;
  }

  const slugSource = data.slug !== undefined && data.slug !== null ? data.slug.trim() : '';
  const slug = stripXmlInvalid(slugSource || (prefix ? prefix.rest : base));
  if (!slug) return problem('the slug is empty', 'set `slug:` in the front matter or give the file a name after the date', lineOfKey(text, 'slug'));

  let title = stripXmlInvalid(data.title ?? '').trim();
  if (!title && readBodyStart) title = stripXmlInvalid(firstHeading(normalizeNewlines(readBodyStart())) ?? '').trim();
  if (!title) title = titleFromSlug(slug) || slug;

  const categories = cleanNames([...splitNames(data.categories), data.category ?? undefined]);
  const tags = cleanNames([...splitNames(data.tags), data.tag ?? undefined]);

  const permalinkPattern = data.permalink?.trim() || config.permalink;
  const path = expandPermalink(permalinkPattern, { date, slug, categories, timeZone });
  const url = postUrl(path, config.site.url);
  const id = data.id !== undefined && data.id !== null && data.id.trim() ? stripXmlInvalid(data.id.trim()) : tagUri(config.site.url, date, file.file);

  const post: Post = {
    id,
    file: file.file,
    absolutePath: file.absolutePath,
    slug,
    title,
    date,
    updated,
    author: toAuthor(data.author, config.site.author),
    categories,
    tags,
    path,
    url,
    pathKeys: pathKeys(text, data),
    bodyOffset: Buffer.byteLength(head, 'utf8'),
  };
  if (data.excerpt !== undefined && data.excerpt !== null && data.excerpt.trim()) post.excerptSource = data.excerpt;
  if (data.excerpt_separator) post.excerptSeparator = data.excerpt_separator;
  if (data.reading_time !== undefined && data.reading_time !== null) post.readingTimeOverride = data.reading_time;
  // Problems that don't cost the post: it is published, and the warning says what was ignored.
  const warnings: PostProblem[] = [];
  if (data.lang?.trim()) {
    const lang = languageTag(data.lang);
    if (lang !== undefined) post.lang = lang;
    else {
      const line = lineOfKey(text, 'lang');
      const message = `\`lang\`: got ${JSON.stringify(data.lang)}, which is no language tag; the post is published in the site's language`;
      warnings.push(line === undefined ? { file: file.file, message, fix: 'write it as ja, en or en-US' } : { file: file.file, line, message, fix: 'write it as ja, en or en-US' });
    }
  }

  const status: PostStatus = data.draft === true ? 'draft' : data.published === false ? 'unpublished' : 'published';
  return warnings.length > 0 ? { ok: true, post, status, warnings } : { ok: true, post, status };
}
