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
  return collapseWhitespace(textOfHtml(html));
}

/** Minutes to read a post's HTML: readingMinutes of its text (whitespace needs no collapsing: readingCounts treats all of it alike). */
export function readingMinutesOfHtml(html: string): number {
  return readingMinutes(textOfHtml(html));
}

/** htmlToText without collapsing whitespace (half its time on a long post). */
function textOfHtml(html: string): string {
  const text = html
    .replace(/<!--[\s\S]*?(?:-->|$)/g, ' ')
    // An unclosed one runs to the end, as a browser reads it: its CSS or code is never text.
    .replace(/<(script|style)\b[^>]*>[\s\S]*?(?:<\/\1\s*>|$)/gi, ' ')
    .replace(/<\/?(?:p|div|br|li|ul|ol|h[1-6]|blockquote|pre|tr|td|th|table|hr|figure|figcaption|section|article)\b[^>]*>/gi, ' ')
    .replace(/<[^>]*>/g, '');
  return decodeEntities(text);
}

export function collapseWhitespace(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}

/** Reading speeds: Japanese (and other CJK) text ~500 characters a minute, other text ~200 words a minute. */
export const CJK_CHARS_PER_MINUTE = 500;
export const WORDS_PER_MINUTE = 200;

/**
 * Minutes to read `text` (plain text), rounded up, at least 1. CJK characters (isCjkUnit, and
 * the ideographs U+20000–U+2FFFF) count one by one; the rest is split into words at whitespace
 * (JavaScript's `\s`, the ideographic space included) and at CJK characters, and a word counts
 * when it holds a letter or digit. These are the counts the regular expressions this replaced
 * gave on htmlToText's output, whose whitespace is collapsed to plain spaces. One pass over the
 * text: those made an array of every Japanese character and took 0.8 ms for a 30 KB post,
 * longer than its Markdown.
 */
function readingMinutes(text: string): number {
  const { cjk, words } = readingCounts(text);
  return Math.max(1, Math.ceil(cjk / CJK_CHARS_PER_MINUTE + words / WORDS_PER_MINUTE));
}

/** The CJK characters and the words that readingMinutes counts. */
export function readingCounts(text: string): { cjk: number; words: number } {
  let cjk = 0;
  let words = 0;
  let inWord = false;
  let counted = false; // the current word has a letter or digit, and is in `words`
  let i = 0;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    let width = 1;
    let separator: boolean;
    if (c < 0x80) {
      separator = c === 0x20 || (c >= 0x09 && c <= 0x0d);
    } else if (isCjkUnit(c)) {
      // U+3000, the ideographic space, is whitespace too: it separates and is not counted.
      if (c !== 0x3000) cjk++;
      separator = true;
    } else if (c >= 0xd800 && c <= 0xdbff && isLowSurrogate(text.charCodeAt(i + 1))) {
      width = 2;
      separator = c >= 0xd840 && c <= 0xd87f; // U+20000–U+2FFFF: CJK ideographs
      if (separator) cjk++;
    } else {
      separator = isSpace(c);
    }
    if (separator) {
      inWord = false;
    } else {
      if (!inWord) counted = false;
      inWord = true;
      if (!counted && isLetterOrDigitAt(text, i, c)) {
        counted = true;
        words++;
      }
    }
    i += width;
  }
  return { cjk, words };
}

/** Han, kana, Hangul, CJK punctuation and full-width forms: read by the character, not the word. */
function isCjkUnit(c: number): boolean {
  return (
    (c >= 0x3000 && c <= 0x30ff) ||
    (c >= 0x4e00 && c <= 0x9fff) ||
    (c >= 0x31f0 && c <= 0x31ff) ||
    (c >= 0x3400 && c <= 0x4dbf) ||
    (c >= 0xf900 && c <= 0xfaff) ||
    (c >= 0xff00 && c <= 0xffef) ||
    (c >= 0xac00 && c <= 0xd7af)
  );
}

function isLowSurrogate(c: number): boolean {
  return c >= 0xdc00 && c <= 0xdfff;
}

/** JavaScript's `\s`. */
function isSpace(c: number): boolean {
  if (c <= 0x20) return c === 0x20 || (c >= 0x09 && c <= 0x0d);
  if (c < 0xa0) return false;
  return c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff;
}

const LETTER_OR_DIGIT = /[\p{L}\p{N}]/uy;

/** Whether the character at `i` (a code unit `c`, or the pair starting there) is a letter or digit. */
function isLetterOrDigitAt(text: string, i: number, c: number): boolean {
  if (c < 0x80) return (c >= 0x30 && c <= 0x39) || ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x7a);
  LETTER_OR_DIGIT.lastIndex = i;
  return LETTER_OR_DIGIT.test(text);
}
