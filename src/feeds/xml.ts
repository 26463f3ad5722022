/**
 * The only place that turns strings into XML. Everything is written as escaped text, never
 * CDATA: a `]]>` inside a post (an HTML comment, a code sample) can then never end a section
 * early, which is the bug jekyll-feed has (#396).
 */

import { stripXmlInvalid } from '../content/text.js';

// The loader strips XML-invalid characters too; the writers do it again on every string they
// write rather than trust it, since one such character makes a whole feed unreadable.
export { stripXmlInvalid };

const TEXT_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;' };

/** Text content: `&` and `<` must be escaped, `>` too so that `]]>` never appears raw. */
export function escapeText(text: string): string {
  return stripXmlInvalid(text).replace(/[&<>]/g, (char) => TEXT_ESCAPES[char]!);
}

/**
 * Plain text in RSS (titles, names, categories): RSS never said whether such text may hold
 * HTML, so some readers decode it twice. `&` and `<` as hexadecimal character references are
 * read the same by every XML parser and are what the W3C validator asks for.
 */
export function escapeRssPlainText(text: string): string {
  return stripXmlInvalid(text).replace(/&/g, '&#x26;').replace(/</g, '&#x3C;').replace(/>/g, '&gt;');
}

/** Attribute values are always written in double quotes. */
export function escapeAttribute(text: string): string {
  return escapeText(text).replace(/"/g, '&quot;').replace(/\t/g, '&#9;').replace(/\n/g, '&#10;').replace(/\r/g, '&#13;');
}

export type Attributes = Record<string, string | undefined>;

function attributeList(attributes: Attributes): string {
  let out = '';
  for (const [name, value] of Object.entries(attributes)) {
    if (value !== undefined) out += ` ${name}="${escapeAttribute(value)}"`;
  }
  return out;
}

/** `<name attr="…">text</name>` with the text escaped. */
export function textElement(name: string, text: string, attributes: Attributes = {}, escape = escapeText): string {
  return `<${name}${attributeList(attributes)}>${escape(text)}</${name}>`;
}

/** `<name attr="…"/>` */
export function emptyElement(name: string, attributes: Attributes): string {
  return `<${name}${attributeList(attributes)}/>`;
}

/**
 * `<name attr="…">` + already-serialised children, one per line. Not indented: indenting would
 * add spaces inside multi-line text such as `content:encoded`.
 */
export function parentElement(name: string, attributes: Attributes, children: string[]): string {
  const inner = children.filter((child) => child !== '').join('\n');
  return `<${name}${attributeList(attributes)}>\n${inner}\n</${name}>`;
}

export const XML_DECLARATION = '<?xml version="1.0" encoding="utf-8"?>';

/**
 * Lets a browser show the feed as a page: feed.xsl where XSLT still exists, else the CSS (a
 * browser applies the first stylesheet it supports). Feed readers ignore both.
 */
export function stylesheetInstructions(stylesheets: { xsl: string; css: string }): string {
  return (
    `<?xml-stylesheet type="text/xsl" href="${escapeAttribute(stylesheets.xsl)}"?>\n` +
    `<?xml-stylesheet type="text/css" href="${escapeAttribute(stylesheets.css)}"?>`
  );
}
