import { createHash } from 'node:crypto';

/**
 * Folder name for a category or tag feed: stable, URL-safe, file-name-safe, and one-to-one.
 *
 *   - `a`–`z`, `0`–`9` and `-` are kept:                  `rust` → `rust`, `node-js` → `node-js`;
 *   - an upper-case ASCII letter becomes `__` + the letter: `TypeScript` → `__type__script`;
 *   - any other character becomes its UTF-8 bytes, each `_` + two lowercase hex digits
 *     (percent-encoding with `_` for `%`): `Node.js` → `__node_2ejs`,
 *     `日本語` → `_e6_97_a5_e6_9c_ac_e8_aa_9e`.
 * The result is lower case only (so `Rust` and `rust` stay apart on case-insensitive file
 * systems) and decodes unambiguously (after `_` comes either `_` or a hex digit), so two
 * different terms never share a folder. A name longer than MAX_LENGTH (file systems stop at
 * 255 bytes) is cut and ends with `_h` + 16 hex digits of the term's SHA-256; `_h` never occurs
 * in the short form, since `h` is neither `_` nor a hex digit.
 */
const MAX_LENGTH = 120;

function encodeChar(char: string): string {
  if (/^[a-z0-9-]$/.test(char)) return char;
  if (/^[A-Z]$/.test(char)) return `__${char.toLowerCase()}`;
  let out = '';
  for (const byte of Buffer.from(char, 'utf8')) out += `_${byte.toString(16).padStart(2, '0')}`;
  return out;
}

export function termSlug(term: string): string {
  const pieces = Array.from(term, encodeChar);
  const slug = pieces.join('');
  if (slug.length <= MAX_LENGTH) return slug;
  const hash = createHash('sha256').update(term, 'utf8').digest('hex').slice(0, 16);
  // Whole characters only, so the readable start of the name is still a clean prefix.
  let prefix = '';
  for (const piece of pieces) {
    if (prefix.length + piece.length > MAX_LENGTH - 18) break;
    prefix += piece;
  }
  return `${prefix}_h${hash}`;
}

/** Output folder of a feed, relative to the output folder ('' for the main feeds). */
export function feedDir(kind: 'main' | 'category' | 'tag', term?: string): string {
  if (kind === 'main') return '';
  return `${kind === 'category' ? 'categories' : 'tags'}/${termSlug(term ?? '')}`;
}
