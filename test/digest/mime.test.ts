import { describe, expect, it } from 'vitest';
import { simpleParser } from 'mailparser';
import { encodeAddress, prepareMime } from '../../src/digest/mime.js';
import { personalize, UNSUBSCRIBE_MARKER, type RenderedDigest } from '../../src/digest/render.js';
import { digestConfig } from './support.js';

/**
 * The prebuilt MIME re-encodes only the base64 groups that hold a recipient's link. These tests
 * hold it to the plain way of doing it: personalize the whole body, encode it, break the lines.
 */
const config = digestConfig();

function plainBase64Lines(text: string): string {
  return (Buffer.from(text, 'utf8').toString('base64').match(/.{1,76}/g) ?? []).join('\r\n');
}

/** The base64 body of the part with this content type, as it stands in the message. */
function encodedPart(message: string, contentType: string): string {
  const head = `Content-Type: ${contentType}; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n`;
  const start = message.indexOf(head);
  expect(start).toBeGreaterThan(0);
  const body = message.slice(start + head.length);
  return body.slice(0, body.indexOf('\r\n--'));
}

function check(rendered: RenderedDigest, url: string) {
  const message = prepareMime(config, rendered).build({ to: 'r@example.org', messageId: '<m@news.example.com>', date: new Date(0), unsubscribeUrl: url });
  const expected = personalize(rendered, url);
  const latin1 = message.toString('latin1');
  expect(encodedPart(latin1, 'text/plain')).toBe(plainBase64Lines(expected.text));
  expect(encodedPart(latin1, 'text/html')).toBe(plainBase64Lines(expected.html));
  expect(latin1).toContain(`\r\nList-Unsubscribe: <${url}>\r\n`);
  return message;
}

const M = UNSUBSCRIBE_MARKER;

describe('prepared digest MIME', () => {
  it('matches a whole-body encoding at every alignment of the link, with links next to each other, first and last', () => {
    const bodies = [
      `${M}`,
      `a${M}`,
      `${M}b`,
      `${M}${M}`,
      `${M}x${M}`,
      `${M}xy${M}`,
      `${M}xyz${M}`,
      `停止は ${M} から。\n${M}`,
      `<a href="${M}">配信停止</a>`,
    ];
    const urls = ['https://news.example.com/unsubscribe?token=abc', 'https://news.example.com/unsubscribe?token=a&b<c>"d"', 'u'];
    for (let pad = 0; pad < 80; pad++) {
      for (const body of bodies) {
        const prefix = 'あ'.repeat(pad % 7) + 'x'.repeat(pad);
        for (const url of urls) check({ subject: '件名', text: prefix + body, html: body + prefix }, url);
      }
    }
  });

  it('matches it for random bodies and tokens of every length, reusing the encoding across recipients', () => {
    let seed = 7;
    const random = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
    const alphabet = ['a', 'Z', ' ', '\n', '&', '<', 'ア', '漢', '😀', M];
    for (let round = 0; round < 150; round++) {
      const pick = (n: number) => Array.from({ length: n }, () => alphabet[random(alphabet.length)]).join('');
      const rendered = { subject: 'S', text: pick(random(300)), html: pick(random(300)) };
      const builder = prepareMime(config, rendered);
      for (let r = 0; r < 4; r++) {
        const url = `https://news.example.com/unsubscribe?token=${'t'.repeat(random(50))}${r}`;
        const message = builder.build({ to: 'r@example.org', messageId: '<m@news.example.com>', date: new Date(0), unsubscribeUrl: url });
        const expected = personalize(rendered, url);
        const latin1 = message.toString('latin1');
        expect(encodedPart(latin1, 'text/plain')).toBe(plainBase64Lines(expected.text));
        expect(encodedPart(latin1, 'text/html')).toBe(plainBase64Lines(expected.html));
      }
    }
  });

  it('reads back in a mail parser with each recipient\'s own link', async () => {
    const rendered = { subject: '週刊 <たより> & more', text: `本文\n停止: ${M}\n`, html: `<p>本文</p><a href="${M}">停止</a>` };
    const builder = prepareMime(config, rendered);
    for (const token of ['one', 'second-token', 'x']) {
      const url = `https://news.example.com/unsubscribe?token=${token}`;
      const parsed = await simpleParser(builder.build({ to: 'r@example.org', messageId: '<m@news.example.com>', date: new Date(0), unsubscribeUrl: url }));
      expect(parsed.subject).toBe(rendered.subject);
      expect(parsed.text).toBe(`本文\n停止: ${url}\n`);
      expect(parsed.html).toBe(`<p>本文</p><a href="${url}">停止</a>`);
    }
  });

  it('encodes a body without a link once, unchanged per recipient', () => {
    const message = check({ subject: 'S', text: '', html: 'リンクなし' }, 'https://news.example.com/unsubscribe?token=t');
    expect(message.toString('latin1')).toContain(plainBase64Lines('リンクなし'));
  });
});

describe('From header', () => {
  it('reads a quoted display name as RFC 5322 does and escapes it once (a mail client shows Ann "Q" Lee)', async () => {
    const cases: [string, string][] = [
      ['"Ann \\"Q\\" Lee" <news@example.org>', 'Ann "Q" Lee'],
      ['Ann "Q" Lee <news@example.org>', 'Ann "Q" Lee'],
      ['"Back\\\\slash" <news@example.org>', 'Back\\slash'],
      ['"便り \\"編集部\\"" <news@example.org>', '便り "編集部"'],
      ['たより <news@example.org>', 'たより'],
    ];
    for (const [from, shown] of cases) {
      const header = encodeAddress(from);
      const parsed = await simpleParser(`From: ${header}\r\nSubject: x\r\n\r\nbody\r\n`);
      expect(parsed.from?.value[0], from).toEqual({ name: shown, address: 'news@example.org' });
    }
    expect(encodeAddress('<news@example.org>')).toBe('<news@example.org>');
  });
});
