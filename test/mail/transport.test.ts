import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHash, generateKeyPairSync, verify, type KeyObject } from 'node:crypto';
import { prepareMime } from '../../src/digest/mime.js';
import { UNSUBSCRIBE_MARKER } from '../../src/digest/render.js';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { ConfigError, parseConfig } from '../../src/config/load.js';
import { classify, createMailer, DKIM_HEADER_FIELDS, MailError, type OutgoingMessage } from '../../src/mail/transport.js';
import { mailCheck } from '../helpers/checkers.js';
import { tempDir } from '../helpers/paths.js';
import { startTestSmtp } from './smtp.js';

const config = parseConfig({
  site: { title: 'T', url: 'https://news.example.com/', author: 'a' },
  digest: { from: 'たより <digest@news.example.com>' },
  mail: { connections: 2, dkim: { selector: 's1', domain: 'news.example.com' } },
});

function message(to: string, n: number): OutgoingMessage {
  const url = `https://news.example.com/unsubscribe?token=tok${n}`;
  return {
    from: config.digest.from,
    to,
    subject: `週刊ダイジェスト ${n}`,
    text: `本文 ${n}\n${url}\n`,
    html: `<p>本文 ${n}</p><p><a href="${url}">配信停止</a></p>`,
    messageId: `<m${n}@news.example.com>`,
    headers: { 'List-Id': '<digest.news.example.com>', 'List-Unsubscribe': `<${url}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' },
  };
}

const rendered = { subject: 'テスト号', html: `<p>本文</p><a href="${UNSUBSCRIBE_MARKER}">停止</a>`, text: `本文 ${UNSUBSCRIBE_MARKER}` };

let temp: ReturnType<typeof tempDir>;
beforeEach(() => (temp = tempDir('tayori-mail-')));
afterEach(() => temp.cleanup());

describe('outbox transport', () => {
  it('writes one .eml per message, atomically, that mail-check accepts; a re-send replaces its own file', async () => {
    const outbox = path.join(temp.dir, 'outbox');
    const mailer = createMailer(config, {}, outbox);
    expect(mailer.kind).toBe('outbox');
    for (let n = 1; n <= 3; n++) await mailer.send(message(`r${n}@example.org`, n));
    await mailer.send(message('r1@example.org', 1)); // same Message-ID: same file
    const files = readdirSync(outbox);
    expect(files.sort()).toEqual(['m1@news.example.com.eml', 'm2@news.example.com.eml', 'm3@news.example.com.eml']);
    const check = mailCheck(outbox);
    expect(check.output).toContain('verdict: PASS (3 messages)');
    expect(check.ok).toBe(true);
  });
});

/** RFC 6376 relaxed canonicalization, enough to verify what nodemailer signs. */
function relaxedHeader(name: string, value: string): string {
  return `${name.toLowerCase()}:${value.replace(/\r\n/g, '').replace(/[ \t]+/g, ' ').trim()}`;
}
function relaxedBody(body: string): string {
  const lines = body.split('\r\n').map((l) => l.replace(/[ \t]+/g, ' ').replace(/ $/, ''));
  while (lines.length && lines[lines.length - 1] === '') lines.pop();
  return lines.length ? `${lines.join('\r\n')}\r\n` : '';
}

function verifyDkim(bytes: Buffer, publicKey: KeyObject): void {
  const raw = bytes.toString('latin1');
  const [head, ...rest] = raw.split('\r\n\r\n');
  const body = rest.join('\r\n\r\n');
  const headers = head!.split(/\r\n(?![ \t])/).map((line) => {
    const i = line.indexOf(':');
    return { name: line.slice(0, i), value: line.slice(i + 1) };
  });
  const signature = headers.find((h) => h.name.toLowerCase() === 'dkim-signature')!;
  expect(signature).toBeDefined();
  const tags = Object.fromEntries(
    signature.value.replace(/\s+/g, '').split(';').filter(Boolean).map((t) => [t.slice(0, t.indexOf('=')), t.slice(t.indexOf('=') + 1)]),
  );
  expect(tags).toMatchObject({ d: 'news.example.com', s: 's1', a: 'rsa-sha256', c: 'relaxed/relaxed' });
  const signed = tags.h!.toLowerCase().split(':');
  expect(signed).toContain('list-unsubscribe');
  expect(signed).toContain('list-unsubscribe-post');
  expect(signed).toContain('list-id');
  expect(DKIM_HEADER_FIELDS.toLowerCase().split(':')).toContain('list-unsubscribe-post');
  // Body hash and signature, checked independently of nodemailer.
  expect(createHash('sha256').update(relaxedBody(body), 'latin1').digest('base64')).toBe(tags.bh);
  const used = new Map<string, number>();
  const lines: string[] = [];
  for (const name of signed) {
    // Several instances: signed bottom-up (RFC 6376 5.4.2).
    const all = headers.filter((h) => h.name.toLowerCase() === name);
    const k = (used.get(name) ?? 0) + 1;
    used.set(name, k);
    const h = all[all.length - k];
    if (h) lines.push(relaxedHeader(h.name, h.value));
  }
  lines.push(relaxedHeader('DKIM-Signature', signature.value.replace(/b=[^;]*$/, 'b=').replace(/(;\s*b=)[\s\S]*$/, '$1')));
  const ok = verify('sha256', Buffer.from(lines.join('\r\n'), 'latin1'), publicKey, Buffer.from(tags.b!, 'base64'));
  expect(ok).toBe(true);
}

describe('DKIM', () => {
  it('signs List-Unsubscribe and List-Unsubscribe-Post, and the signature verifies with the public key', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const smtp = await startTestSmtp();
    const mailer = createMailer(config, { SMTP_URL: smtp.url, DKIM_PRIVATE_KEY: pem }, path.join(temp.dir, 'outbox'));
    try {
      await mailer.send(message('r1@example.org', 1));
      verifyDkim(smtp.received[0]!.raw, publicKey);
      await mailer.send({ ...message('r2@example.org', 2), raw: prepareMime(config, rendered).build({ to: 'r2@example.org', messageId: '<m2@news.example.com>', date: new Date(0), unsubscribeUrl: 'https://news.example.com/unsubscribe?token=t2' }) });
      await smtp.waitFor(2);
      verifyDkim(smtp.received[1]!.raw, publicKey); // prebuilt (raw) messages are signed too
    } finally {
      await mailer.close();
      await smtp.close();
    }
  });

  it('refuses DKIM_PRIVATE_KEY without mail.dkim in the config, naming the fix', () => {
    const plain = parseConfig({ site: { title: 'T', url: 'https://e.com/', author: 'a' } });
    expect(() => createMailer(plain, { DKIM_PRIVATE_KEY: 'x' }, temp.dir)).toThrow(/mail\.dkim/);
    // The CLI's configuration error (exit 2, no stack trace), not a crash.
    expect(() => createMailer(plain, { DKIM_PRIVATE_KEY: 'x' }, temp.dir)).toThrow(ConfigError);
  });
});

describe('classify', () => {
  it('tells recipient refusals from server and configuration problems', () => {
    expect(classify({ responseCode: 550, command: 'RCPT TO', code: 'EENVELOPE' })).toBe('permanent');
    expect(classify({ responseCode: 554, command: 'DATA', code: 'EMESSAGE' })).toBe('rejected');
    expect(classify({ responseCode: 451, command: 'RCPT TO', code: 'EENVELOPE' })).toBe('temporary');
    expect(classify({ responseCode: 421, command: 'CONN' })).toBe('temporary');
    expect(classify({ responseCode: 535, command: 'AUTH PLAIN', code: 'EAUTH' })).toBe('fatal');
    expect(classify({ responseCode: 553, command: 'MAIL FROM', code: 'EENVELOPE' })).toBe('fatal');
    expect(classify({ code: 'ECONNECTION' })).toBe('unavailable');
    expect(classify({ code: 'ETIMEDOUT' })).toBe('unavailable');
  });

  it('a TLS handshake or certificate failure under a socket error is configuration (fatal), a refused connection is not', () => {
    // nodemailer keeps the system or OpenSSL code as originalCode under its own ESOCKET.
    expect(classify({ code: 'ESOCKET', originalCode: 'ERR_SSL_WRONG_VERSION_NUMBER', command: 'CONN' })).toBe('fatal');
    expect(classify({ code: 'ESOCKET', originalCode: 'ERR_SSL_PACKET_LENGTH_TOO_LONG', command: 'CONN' })).toBe('fatal');
    expect(classify({ code: 'ESOCKET', originalCode: 'CERT_HAS_EXPIRED', command: 'CONN' })).toBe('fatal');
    expect(classify({ code: 'ESOCKET', originalCode: 'DEPTH_ZERO_SELF_SIGNED_CERT', command: 'CONN' })).toBe('fatal');
    expect(classify({ code: 'ESOCKET', originalCode: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', command: 'CONN' })).toBe('fatal');
    expect(classify({ code: 'ESOCKET', originalCode: 'ERR_TLS_CERT_ALTNAME_INVALID', command: 'CONN' })).toBe('fatal');
    expect(classify({ code: 'ESOCKET', originalCode: 'ECONNREFUSED', command: 'CONN' })).toBe('unavailable');
    expect(classify({ code: 'ESOCKET', originalCode: 'ECONNRESET', command: 'CONN' })).toBe('unavailable');
  });

  it('smtps:// to a real server without TLS fails as configuration, with the reason and the smtp:// / port fix', async () => {
    const smtp = await startTestSmtp(); // plain text only (no TLS, no STARTTLS)
    const mailer = createMailer(config, { SMTP_URL: `smtps://127.0.0.1:${smtp.port}` }, temp.dir);
    try {
      const error = await mailer.send(message('r1@example.org', 1)).then(() => undefined, (e: unknown) => e);
      expect(error).toBeInstanceOf(MailError);
      expect((error as MailError).kind).toBe('fatal');
      expect(classify(error)).toBe('fatal');
      expect((error as MailError).message).toMatch(/^TLS handshake with the mail server failed \(ERR_SSL_WRONG_VERSION_NUMBER: wrong version number\): smtps:\/\/ is for a port that speaks TLS from the start \(usually 465\); .*\(port 587 or 25\), SMTP_URL needs smtp:\/\//);
      expect(smtp.received.length).toBe(0);
    } finally {
      await mailer.close();
      await smtp.close();
    }
  });

  it('SMTP_URL with another scheme, or that is not a URL, is refused with the expected form (a ConfigError)', () => {
    expect(() => createMailer(config, { SMTP_URL: 'http://x' }, temp.dir)).toThrow(/smtp:\/\/ .*smtps:\/\//);
    expect(() => createMailer(config, { SMTP_URL: 'http://x' }, temp.dir)).toThrow(ConfigError);
    expect(() => createMailer(config, { SMTP_URL: 'smtp://u:p@127.0.0.1:99999' }, temp.dir)).toThrow(ConfigError);
  });
});

