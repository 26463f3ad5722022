import { randomBytes } from 'node:crypto';
import type { Config } from '../config/schema.js';
import { listId } from './message.js';
import { UNSUBSCRIBE_MARKER, type RenderedDigest } from './render.js';

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
  const match = /^\s*"?(.*?)"?\s*<([^<>]+)>\s*$/.exec(value);
  if (!match) return value.trim();
  const [, name = '', address = ''] = match;
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
  const escapeAttr = (v: string) => v.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  // The variant's bytes are encoded once; per recipient only the link is, and the message is
  // assembled in one Buffer. Besides the CPU, this keeps the JavaScript heap's churn per message
  // low: short-lived strings of every message in flight were being promoted to the old
  // generation, which made a long send's memory peak higher than a short one's.
  const htmlPieces = rendered.html.split(UNSUBSCRIBE_MARKER).map((piece) => Buffer.from(piece, 'utf8'));
  const textPieces = rendered.text.split(UNSUBSCRIBE_MARKER).map((piece) => Buffer.from(piece, 'utf8'));
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
      const headers = Buffer.from(
        `${fixedHeaders}\r\nTo: ${to}\r\nMessage-ID: ${messageId}\r\nDate: ${rfc5322Date(date)}\r\nList-Unsubscribe: <${unsubscribeUrl}>\r\n\r\n`,
        'utf8',
      );
      const text = joinBytes(textPieces, Buffer.from(unsubscribeUrl, 'utf8')).toString('base64');
      const html = joinBytes(htmlPieces, Buffer.from(escapeAttr(unsubscribeUrl), 'utf8')).toString('base64');
      const out = Buffer.allocUnsafe(
        headers.length + textHead.length + wrappedLength(text.length) + htmlHead.length + wrappedLength(html.length) + end.length,
      );
      let at = headers.copy(out, 0);
      at += textHead.copy(out, at);
      at = writeBase64Lines(out, at, text);
      at += htmlHead.copy(out, at);
      at = writeBase64Lines(out, at, html);
      end.copy(out, at);
      return out;
    },
  };
}

/** `pieces` joined with `separator` between each two. */
function joinBytes(pieces: Buffer[], separator: Buffer): Buffer {
  const parts: Buffer[] = [];
  pieces.forEach((piece, i) => {
    if (i > 0) parts.push(separator);
    parts.push(piece);
  });
  return Buffer.concat(parts);
}

/** Base64 text in lines of 76 characters (RFC 2045): its length with the CRLFs between lines. */
function wrappedLength(chars: number): number {
  return chars + 2 * Math.max(0, Math.ceil(chars / 76) - 1);
}

/** Writes `base64` into `out` at `at` in lines of 76 characters; returns the new offset. */
function writeBase64Lines(out: Buffer, at: number, base64: string): number {
  for (let i = 0; i < base64.length; i += 76) {
    if (i > 0) {
      out[at++] = 0x0d;
      out[at++] = 0x0a;
    }
    at += out.write(base64.slice(i, i + 76), at, 'latin1');
  }
  return at;
}
