/**
 * Small pure text helpers shared by the post parser and renderer.
 */

/**
 * Characters XML 1.0 forbids: C0 controls except tab, LF and CR; U+FFFE, U+FFFF; lone surrogates.
 * One of them anywhere in a feed makes the whole feed unreadable, so they are removed from
 * every string that reaches a feed.
 */
const XML_INVALID = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** XML_INVALID without the surrogate part (which isWellFormed checks). */
const XML_INVALID_UNITS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/;

export function stripXmlInvalid(s: string): string {
  // Nearly every string is clean: two cheap scans (a plain character class, and V8's own
  // surrogate check; ES2024, in Node 20, not in the project's ES2023 lib) skip the replace and
  // its look-arounds at every character, which were 0.8 s of a 10,000-page build.
  if (!XML_INVALID_UNITS.test(s) && (s as string & { isWellFormed(): boolean }).isWellFormed()) return s;
  return s.replace(XML_INVALID, '');
}

/** Drops a leading byte-order mark and turns CRLF / CR line ends into LF. */
export function normalizeNewlines(s: string): string {
  return (s.charCodeAt(0) === 0xfeff ? s.slice(1) : s).replace(/\r\n?/g, '\n');
}

const NAMED_ENTITIES: Record<string, string> = {
  amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00A0', copy: '©', reg: '®', trade: '™',
  hellip: '…', mdash: '—', ndash: '–', lsquo: '‘', rsquo: '’', ldquo: '“', rdquo: '”', laquo: '«',
  raquo: '»', middot: '·', times: '×', bull: '•', deg: '°', euro: '€', yen: '¥', para: '¶', sect: '§',
};

/** Decodes numeric entities and the common named ones; unknown names are left as written. */
export function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z][a-z0-9]*);/gi, (whole, name: string) => {
    if (name[0] === '#') {
      const code = name[1] === 'x' || name[1] === 'X' ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
      if (!Number.isFinite(code) || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return '\uFFFD';
      return String.fromCodePoint(code);
    }
    return NAMED_ENTITIES[name.toLowerCase()] ?? whole;
  });
}

/**
 * HTML → plain text for excerpts and reading time: comments, scripts and styles dropped, tags
 * stripped (block ends become spaces so words don't run together), entities decoded,
 * whitespace collapsed.
 */
export function htmlToText(html: string): string {
  const text = html
    .replace(/<!--[\s\S]*?(?:-->|$)/g, ' ')
    .replace(/<(script|style)\b[^>]*>[\s\S]*?<\/\1\s*>/gi, ' ')
    .replace(/<\/?(?:p|div|br|li|ul|ol|h[1-6]|blockquote|pre|tr|td|th|table|hr|figure|figcaption|section|article)\b[^>]*>/gi, ' ')
    .replace(/<[^>]*>/g, '');
  return collapseWhitespace(decodeEntities(text));
}

export function collapseWhitespace(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}

/** Han, kana, Hangul and CJK punctuation: read by the character, not the word. */
const CJK_CHAR = /[\u3000-\u303F\u3040-\u30FF\u31F0-\u31FF\u3400-\u4DBF\u4E00-\u9FFF\uF900-\uFAFF\uFF00-\uFFEF\uAC00-\uD7AF]|[\uD840-\uD87F][\uDC00-\uDFFF]/g;

/** Reading speeds: Japanese (and other CJK) text ~500 characters a minute, other text ~200 words a minute. */
export const CJK_CHARS_PER_MINUTE = 500;
export const WORDS_PER_MINUTE = 200;

/** Minutes to read `text` (plain text), rounded up, at least 1. */
export function readingMinutes(text: string): number {
  const cjk = text.match(CJK_CHAR)?.length ?? 0;
  const rest = text.replace(CJK_CHAR, ' ');
  const words = rest.split(/\s+/).filter((w) => /[\p{L}\p{N}]/u.test(w)).length;
  return Math.max(1, Math.ceil(cjk / CJK_CHARS_PER_MINUTE + words / WORDS_PER_MINUTE));
}
