import { randomBytes } from 'node:crypto';
import type { Config } from '../config/schema.js';
import { listId } from './message.js';
import { escapeAttribute, UNSUBSCRIBE_MARKER, type RenderedDigest } from './render.js';

/**
 * Builds a digest variant's MIME once and, per recipient, fills in only the personal parts
 * (To, Message-ID, Date, the unsubscribe link in headers and bodies). The bodies are base64, so
 * the per-recipient cost is a string join and a native base64 encode, not a full MIME build; the
 * message goes to nodemailer as `raw` (it still DKIM-signs it).
 */
export interface PersonalParts {
  to: string;
  messageId: string;
  date: Date;
  unsubscribeUrl: string;
}

export interface MimeBuilder {
  build(parts: PersonalParts): Buffer;
}

const ASCII_PRINTABLE = /^[\x20-\x7e]*$/;

/** RFC 2047 B-encoded words, each ≤ 75 characters and split on character boundaries, folded. */
export function encodeHeaderWords(value: string): string {
  if (ASCII_PRINTABLE.test(value) && !/=\?/.test(value)) return value;
  const words: string[] = [];
  let chunk = '';
  for (const char of value) {
    if (Buffer.byteLength(chunk + char) > 45) {
      words.push(chunk);
      chunk = '';
    }
    chunk += char;
  }
  if (chunk) words.push(chunk);
  return words.map((w) => `=?UTF-8?B?${Buffer.from(w).toString('base64')}?=`).join('\r\n ');
}

/** `Name <a@b>` with the display name encoded when it needs to be. */
export function encodeAddress(value: string): string {
  const match = /^\s*(?:"((?:[^"\\]|\\.)*)"|(.*?))\s*<([^<>]+)>\s*$/.exec(value);
  if (!match) return value.trim();
  const [, quoted, plain = '', address = ''] = match;
  // A quoted display name is read as RFC 5322 reads it (\" is "), so it is escaped once, below.
  const name = quoted !== undefined ? quoted.replace(/\\(.)/g, '$1') : plain;
  if (!name) return `<${address}>`;
  const shown = ASCII_PRINTABLE.test(name) ? `"${name.replace(/(["\\])/g, '\\$1')}"` : encodeHeaderWords(name);
  return `${shown} <${address}>`;
}

/** RFC 5322 date-time in UTC: `Mon, 16 Nov 2026 00:00:00 +0000`. */
export function rfc5322Date(date: Date): string {
  return date.toUTCString().replace(/GMT$/, '+0000');
}

/** Whether an address can go in a header as is (else the caller lets nodemailer compose). */
export function isAsciiAddress(address: string): boolean {
  return ASCII_PRINTABLE.test(address);
}

export function prepareMime(config: Config, rendered: RenderedDigest): MimeBuilder {
  const boundary = `tayori-${randomBytes(12).toString('hex')}`;
  // The variant's bodies are encoded once (per length of link: tokens all have one length);
  // per recipient only the base64 groups that hold the link are, and the message is assembled
  // in one Buffer without a base64 string per body: less CPU and about half the heap
  // allocation a message on the sending thread.
  const html = new PersonalBody(rendered.html.split(UNSUBSCRIBE_MARKER));
  const text = new PersonalBody(rendered.text.split(UNSUBSCRIBE_MARKER));
  const fixedHeaders = [
    `From: ${encodeAddress(config.digest.from)}`,
    ...(config.digest.replyTo ? [`Reply-To: ${encodeAddress(config.digest.replyTo)}`] : []),
    `Subject: ${encodeHeaderWords(rendered.subject)}`,
    `List-Id: ${listId(config.site.url)}`,
    'List-Unsubscribe-Post: List-Unsubscribe=One-Click',
    'MIME-Version: 1.0',
    `Content-Type: multipart/alternative; boundary="${boundary}"`,
  ].join('\r\n');
  const textHead = Buffer.from(`--${boundary}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n`);
  const htmlHead = Buffer.from(`\r\n--${boundary}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n`);
  const end = Buffer.from(`\r\n--${boundary}--\r\n`);
  return {
    build({ to, messageId, date, unsubscribeUrl }) {
      const headers = `${fixedHeaders}\r\nTo: ${to}\r\nMessage-ID: ${messageId}\r\nDate: ${rfc5322Date(date)}\r\nList-Unsubscribe: <${unsubscribeUrl}>\r\n\r\n`;
      const htmlUrl = escapeAttribute(unsubscribeUrl);
      const textBody = text.forUrlLength(Buffer.byteLength(unsubscribeUrl));
      const htmlBody = html.forUrlLength(Buffer.byteLength(htmlUrl));
      const headersLength = Buffer.byteLength(headers);
      const out = Buffer.allocUnsafe(headersLength + textHead.length + textBody.encoded.length + htmlHead.length + htmlBody.encoded.length + end.length);
      let at = out.write(headers, 0, headersLength, 'utf8');
      at += textHead.copy(out, at);
      at = textBody.writeTo(out, at, unsubscribeUrl);
      at += htmlHead.copy(out, at);
      at = htmlBody.writeTo(out, at, htmlUrl);
      end.copy(out, at);
      return out;
    },
  };
}

const BASE64 = Buffer.from('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/');
/** RFC 2045: base64 bodies in lines of at most 76 characters. */
const LINE = 76;

/** Where base64 character `i` of a body lands once lines are broken with CRLF. */
const wrappedAt = (i: number) => i + 2 * Math.floor(i / LINE);

/**
 * A body with the unsubscribe link at a few places, encoded base64 once per link length: for a
 * recipient, only the 3-byte groups that hold their link are encoded again and written over
 * the copy, so a message costs a copy and a few dozen characters of encoding, and no strings.
 */
class PersonalBody {
  private readonly byLength = new Map<number, EncodedBody>();
  constructor(private readonly pieces: readonly string[]) {}

  forUrlLength(length: number): EncodedBody {
    let body = this.byLength.get(length);
    if (!body) {
      body = new EncodedBody(this.pieces, length);
      this.byLength.set(length, body);
    }
    return body;
  }
}

class EncodedBody {
  /** The body's bytes with a placeholder of the link's length at each place. */
  private readonly raw: Buffer;
  /** `raw` in base64, in lines. */
  readonly encoded: Buffer;
  /** Byte offset of each link in `raw`. */
  private readonly links: number[] = [];
  /** Runs of whole 3-byte groups that hold a link (merged when two links share a group). */
  private readonly windows: Array<{ start: number; end: number }> = [];
  private readonly scratch: Buffer;

  constructor(pieces: readonly string[], private readonly urlLength: number) {
    const placeholder = Buffer.alloc(urlLength, 0x78);
    const parts: Buffer[] = [];
    let offset = 0;
    pieces.forEach((piece, i) => {
      if (i > 0) {
        this.links.push(offset);
        parts.push(placeholder);
        offset += urlLength;
      }
      const bytes = Buffer.from(piece, 'utf8');
      parts.push(bytes);
      offset += bytes.length;
    });
    this.raw = Buffer.concat(parts);
    const base64 = this.raw.toString('base64');
    this.encoded = Buffer.allocUnsafe(base64.length === 0 ? 0 : wrappedAt(base64.length - 1) + 1);
    for (let i = 0, at = 0; i < base64.length; i += LINE) {
      if (i > 0) at += this.encoded.write('\r\n', at, 'latin1');
      at += this.encoded.write(base64.slice(i, i + LINE), at, 'latin1');
    }
    for (const link of this.links) {
      const start = link - (link % 3);
      const end = Math.min(this.raw.length, Math.ceil((link + urlLength) / 3) * 3);
      const last = this.windows.at(-1);
      if (last && start <= last.end) last.end = Math.max(last.end, end);
      else this.windows.push({ start, end });
    }
    this.scratch = Buffer.allocUnsafe(Math.max(0, ...this.windows.map((w) => w.end - w.start)));
  }

  /** Writes the body with `url` (of the length this was made for) into `out` at `at`; returns the new offset. */
  writeTo(out: Buffer, at: number, url: string): number {
    this.encoded.copy(out, at);
    let link = 0;
    for (const { start, end } of this.windows) {
      this.raw.copy(this.scratch, 0, start, end);
      for (; link < this.links.length && this.links[link]! < end; link++) {
        this.scratch.write(url, this.links[link]! - start, this.urlLength, 'utf8');
      }
      encodeBase64Into(out, at, this.scratch, end - start, (start / 3) * 4);
    }
    return at + this.encoded.length;
  }
}

/**
 * Base64 of `bytes[0, length)` written as characters `first`, `first + 1`, … of a wrapped body
 * that starts at `out[at]`. `length` is a multiple of 3 except at the end of the body, where
 * the last group is padded as Buffer#toString('base64') pads it.
 */
function encodeBase64Into(out: Buffer, at: number, bytes: Buffer, length: number, first: number): void {
  for (let i = 0, char = first; i < length; i += 3, char += 4) {
    const left = length - i;
    const a = bytes[i]!;
    const b = left > 1 ? bytes[i + 1]! : 0;
    const c = left > 2 ? bytes[i + 2]! : 0;
    out[at + wrappedAt(char)] = BASE64[a >> 2]!;
    out[at + wrappedAt(char + 1)] = BASE64[((a & 3) << 4) | (b >> 4)]!;
    out[at + wrappedAt(char + 2)] = left > 1 ? BASE64[((b & 15) << 2) | (c >> 6)]! : 0x3d;
    out[at + wrappedAt(char + 3)] = left > 2 ? BASE64[c & 63]! : 0x3d;
  }
}
