import { readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { build } from '../../src/build/build.js';
import type { Config } from '../../src/config/load.js';
import { createMailer } from '../../src/mail/transport.js';
import { createServer, type TayoriServer } from '../../src/server/app.js';
import { openDb, type Db } from '../../src/store/db.js';
import { addSubscriber, findSubscriberByEmail } from '../../src/store/subscribers.js';
import { projectRoot, tempDir } from '../helpers/paths.js';
import { siteConfig, writePosts } from './fixtures.js';
import { linkIn, startSmtp, type CapturingSmtp } from './smtp.js';

const temp = tempDir('tayori-http-');
const outDir = path.join(temp.dir, 'public');
const templatesDir = path.join(projectRoot, 'templates');
let now = new Date('2026-11-23T03:00:00Z');
const clock = () => now;
let smtp: CapturingSmtp;
let db: Db;
let config: Config;
let server: TayoriServer;
let base: string;
let mailer: ReturnType<typeof createMailer>;

beforeAll(async () => {
  smtp = await startSmtp();
  config = siteConfig('https://tayori.example.com/');
  writePosts(path.join(temp.dir, 'posts'));
  await build({
    config,
    configText: 'test',
    postsDir: path.join(temp.dir, 'posts'),
    outDir,
    templatesDir,
    cacheDir: path.join(temp.dir, 'cache'),
    now,
  });
  db = openDb(path.join(temp.dir, 'store.sqlite'));
  mailer = createMailer(config, { SMTP_URL: smtp.url }, path.join(temp.dir, 'outbox'));
  server = await createServer({
    config,
    db,
    outDir,
    templatesDir,
    mailer,
    clock,
    subscribeRateLimit: 1000,
    policy: { confirmTtlMs: 3600_000, resendWindowMs: 10 * 60_000 },
  });
  base = await server.app.listen({ host: '127.0.0.1', port: 0 });
});

afterAll(async () => {
  await server?.app.close();
  await mailer?.close();
  db?.close();
  await smtp?.close();
  temp.cleanup();
});

beforeEach(() => {
  now = new Date(now.getTime() + 3600_000);
});

const form = (fields: Record<string, string>) => ({
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams(fields).toString(),
});

/**
 * A GET as a feed reader polls: only the headers given. (fetch() adds `Cache-Control: no-cache`
 * to any conditional request, which asks for a full answer, so it can't show a 304.)
 */
function readerGet(url: string, headers: Record<string, string>): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers }, (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (d: string) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      })
      .on('error', reject);
  });
}

describe('static output', () => {
  it('serves feeds with their types, validators, and 304 on a conditional GET', async () => {
    for (const [file, type] of [
      ['feed.xml', 'application/rss+xml; charset=utf-8'],
      ['atom.xml', 'application/atom+xml; charset=utf-8'],
      ['feed.json', 'application/feed+json; charset=utf-8'],
      ['tags/cartoons/feed.xml', 'application/rss+xml; charset=utf-8'],
    ] as const) {
      const response = await fetch(`${base}/${file}`);
      expect(response.status, file).toBe(200);
      expect(response.headers.get('content-type'), file).toBe(type);
      expect(await response.text()).toBe(readFileSync(path.join(outDir, file), 'utf8'));
      const etag = response.headers.get('etag');
      const lastModified = response.headers.get('last-modified');
      expect(etag).toBeTruthy();
      expect(lastModified).toBeTruthy();
      const byEtag = await readerGet(`${base}/${file}`, { 'if-none-match': etag! });
      expect(byEtag.status).toBe(304);
      expect(byEtag.body).toBe('');
      const byDate = await readerGet(`${base}/${file}`, { 'if-modified-since': lastModified! });
      expect(byDate.status).toBe(304);
      // A reload that insists on a fresh copy still gets one.
      const reload = await readerGet(`${base}/${file}`, { 'if-none-match': etag!, 'cache-control': 'no-cache' });
      expect(reload.status).toBe(200);
    }
  });

  it('gives a browser RSS and Atom as application/xml (for the XSLT preview), with a feed CSP and Vary: Accept', async () => {
    const browserAccept = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';
    for (const file of ['feed.xml', 'atom.xml']) {
      const response = await fetch(`${base}/${file}`, { headers: { accept: browserAccept } });
      expect(response.headers.get('content-type')).toBe('application/xml; charset=utf-8');
      expect(response.headers.get('vary')?.toLowerCase()).toContain('accept');
      expect(response.headers.get('content-security-policy')).toContain("script-src 'self'");
      await response.text();
    }
    const reader = await fetch(`${base}/feed.xml`, { headers: { accept: 'application/rss+xml, application/atom+xml, */*;q=0.5' } });
    expect(reader.headers.get('content-type')).toBe('application/rss+xml; charset=utf-8');
    await reader.text();
    const xsl = await fetch(`${base}/feed.xsl`);
    expect(xsl.headers.get('content-type')).toBe('text/xsl; charset=utf-8');
    await xsl.text();
  });

  it('answers 200 again once the file changes', async () => {
    const file = path.join(outDir, 'feed.json');
    const first = await fetch(`${base}/feed.json`);
    const etag = first.headers.get('etag')!;
    await first.text();
    const original = readFileSync(file, 'utf8');
    writeFileSync(file, original.replace('"version"', '"version" ') + '\n');
    try {
      const again = await readerGet(`${base}/feed.json`, { 'if-none-match': etag });
      expect(again.status).toBe(200);
      expect(again.headers.etag).not.toBe(etag);
    } finally {
      writeFileSync(file, original);
    }
  });

  it('compresses when the client accepts it', async () => {
    const encoding = await new Promise<string | undefined>((resolve, reject) => {
      http.request(`${base}/`, { headers: { 'accept-encoding': 'gzip' } }, (res) => {
        res.resume();
        resolve(res.headers['content-encoding']);
      })
        .on('error', reject)
        .end();
    });
    expect(encoding).toBe('gzip');
  });

  it('serves the front page and post pages at their (percent-encoded) permalinks, with security headers', async () => {
    const index = await fetch(`${base}/`);
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const html = await index.text();
    expect(html).toContain('<form class="subscribe" method="post" action="subscribe">');
    const href = html.match(/href="(2026\/11\/16\/[^"]+)"/)![1]!;
    const post = await fetch(`${base}/${href}`);
    expect(post.status).toBe(200);
    expect(await post.text()).toContain('スラッグも日本語');
    for (const response of [index, post]) {
      expect(response.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
      expect(response.headers.get('content-security-policy')).toContain("default-src 'none'");
      expect(response.headers.get('x-frame-options')).toBe('DENY');
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(response.headers.get('referrer-policy')).toBe('no-referrer');
    }
    const missing = await fetch(`${base}/no/such/page/`);
    expect(missing.status).toBe(404);
    expect(missing.headers.get('x-frame-options')).toBe('DENY');
    expect(await missing.text()).toContain('<html lang="ja">');
  });
});

describe('answers beyond the routes', () => {
  it('serves other XML files as XML, not as feeds, and honours q=0 for HTML', async () => {
    writeFileSync(path.join(outDir, 'sitemap.xml'), '<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"/>\n');
    const sitemap = await fetch(`${base}/sitemap.xml`, { headers: { accept: 'application/rss+xml' } });
    expect(sitemap.headers.get('content-type')).toBe('application/xml; charset=utf-8');
    expect(sitemap.headers.get('vary') ?? '').not.toMatch(/(^|,\s*)accept(\s*,|$)/i);
    await sitemap.text();
    const refusesHtml = await fetch(`${base}/feed.xml`, { headers: { accept: 'application/rss+xml, text/html;q=0' } });
    expect(refusesHtml.headers.get('content-type')).toBe('application/rss+xml; charset=utf-8');
    await refusesHtml.text();
  });

  it('varies on Accept-Encoding also when it answers uncompressed; a 416 says the size; If-Range with our weak ETag gets the whole file', async () => {
    const plain = await readerGet(`${base}/feed.json`, { 'accept-encoding': 'identity' });
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(String(plain.headers.vary).toLowerCase()).toContain('accept-encoding');
    const size = readFileSync(path.join(outDir, 'feed.json')).length;
    const beyond = await readerGet(`${base}/feed.json`, { range: `bytes=${size + 10}-` });
    expect(beyond.status).toBe(416);
    expect(beyond.headers['content-range']).toBe(`bytes */${size}`);
    // A part when asked plainly; the whole file when If-Range names an entity tag (ours are weak).
    const part = await readerGet(`${base}/feed.json`, { range: 'bytes=0-9', 'accept-encoding': 'identity' });
    expect(part.status).toBe(206);
    const etag = String(part.headers.etag);
    const guarded = await readerGet(`${base}/feed.json`, { range: 'bytes=0-9', 'if-range': etag, 'accept-encoding': 'identity' });
    expect(guarded.status).toBe(200);
    expect(Buffer.byteLength(guarded.body)).toBe(size);
  });

  it('answers a method a resource does not take with 405 and Allow, and a missing resource with 404', async () => {
    const cases: [string, string, number, string | null][] = [
      ['POST', '/feed.xml', 405, 'GET, HEAD'],
      ['DELETE', '/', 405, 'GET, HEAD'],
      ['PUT', '/no/such/file.xml', 404, null],
      ['POST', '/.feed.xml.1-1.tmp', 404, null],
      ['POST', '/feed.xml/x', 404, null],
      ['DELETE', `/${'a'.repeat(300)}`, 404, null],
      ['GET', '/subscribe', 405, 'POST'],
      ['PUT', '/confirm', 405, 'GET'],
      ['DELETE', '/unsubscribe', 405, 'GET, HEAD, POST'],
    ];
    for (const [method, url, status, allow] of cases) {
      const response = await fetch(`${base}${url}`, { method });
      expect(response.status, `${method} ${url}`).toBe(status);
      expect(response.headers.get('allow'), `${method} ${url}`).toBe(allow);
      expect(response.headers.get('x-frame-options'), `${method} ${url}`).toBe('DENY');
      expect(await response.text(), `${method} ${url}`).toContain('<!DOCTYPE html>');
    }
  });

  it('answers a URL that cannot be decoded, oversized headers and an unknown method with the HTML error page and its headers', async () => {
    const { port } = new URL(base);
    const raw = (request: string) =>
      new Promise<string>((resolve, reject) => {
        const socket = net.connect(Number(port), '127.0.0.1', () => socket.end(request));
        let data = '';
        socket.setEncoding('utf8').on('data', (d: string) => (data += d)).on('end', () => resolve(data)).on('error', reject);
      });
    const answers = {
      400: await raw('GET /%ff<svg/onload=alert(1)> HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'),
      431: await raw(`GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`),
      '400 method': await raw('FOO / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'),
    };
    for (const [what, answer] of Object.entries(answers)) {
      const [head = '', body = ''] = answer.split('\r\n\r\n');
      expect(head, what).toMatch(new RegExp(`^HTTP/1\\.1 ${what.slice(0, 3)} `));
      expect(head.toLowerCase(), what).toContain('content-type: text/html; charset=utf-8');
      expect(head.toLowerCase(), what).toContain("content-security-policy: default-src 'none'");
      expect(head.toLowerCase(), what).toContain('x-frame-options: deny');
      expect(body, what).toContain('<!DOCTYPE html>');
      expect(body, what).not.toContain('<svg');
    }
  });
});

describe('subscribe and confirm (double opt-in)', () => {
  it('stores a pending subscriber, mails a confirmation link, and activates on it', async () => {
    const before = smtp.messages.length;
    const response = await fetch(`${base}/subscribe`, form({ email: 'Reader@Example.com', name: '読者 <b>' }));
    expect(response.status).toBe(200);
    await server.drainMail();
    expect(findSubscriberByEmail(db, 'reader@example.com')).toMatchObject({ status: 'pending' });
    const [mail] = (await smtp.waitFor(before + 1)).slice(before);
    expect(mail!.to).toBeDefined();
    expect(JSON.stringify(mail!.to).toLowerCase()).toContain('reader@example.com');
    const link = linkIn(mail!, '/confirm?token=');
    expect(link.startsWith('https://tayori.example.com/confirm?token=')).toBe(true);
    const local = link.replace('https://tayori.example.com', base);
    const confirmed = await fetch(local);
    expect(confirmed.status).toBe(200);
    expect(findSubscriberByEmail(db, 'reader@example.com')).toMatchObject({ status: 'active' });
    const again = await fetch(local);
    expect(again.status).toBe(200);
    expect(await again.text()).toContain('確認済み');
  });

  it('gives the same answer for known and new addresses, and sends one mail per burst', async () => {
    addSubscriber(db, { email: 'known@example.com', source: 'cli', status: 'active' }, now);
    const before = smtp.messages.length;
    const known = await fetch(`${base}/subscribe`, form({ email: 'known@example.com' }));
    const fresh = await fetch(`${base}/subscribe`, form({ email: 'fresh@example.com' }));
    const repeat = await fetch(`${base}/subscribe`, form({ email: 'fresh@example.com' }));
    const bodies = await Promise.all([known.text(), fresh.text(), repeat.text()]);
    expect([known.status, fresh.status, repeat.status]).toEqual([200, 200, 200]);
    expect(bodies[0]).toBe(bodies[1]);
    expect(bodies[1]).toBe(bodies[2]);
    await server.drainMail();
    await smtp.waitFor(before + 1);
    await new Promise((r) => setTimeout(r, 200));
    const sent = smtp.messages.slice(before);
    expect(sent).toHaveLength(1);
    expect(JSON.stringify(sent[0]!.to)).toContain('fresh@example.com');
    expect(findSubscriberByEmail(db, 'known@example.com')).toMatchObject({ status: 'active' });
    // After the window, a new request sends a new link.
    now = new Date(now.getTime() + 11 * 60_000);
    await (await fetch(`${base}/subscribe`, form({ email: 'fresh@example.com' }))).text();
    await smtp.waitFor(before + 2);
  });

  it('rejects bad, unknown and expired confirmation tokens with a 400 page', async () => {
    const before = smtp.messages.length;
    await (await fetch(`${base}/subscribe`, form({ email: 'late@example.com' }))).text();
    const [mail] = (await smtp.waitFor(before + 1)).slice(before);
    const link = linkIn(mail!, '/confirm?token=').replace('https://tayori.example.com', base);
    for (const bad of ['', '?token=', '?token=short', `?token=${'A'.repeat(43)}`, '?token=%3Cscript%3E']) {
      const response = await fetch(`${base}/confirm${bad}`);
      expect(response.status, bad).toBe(400);
      expect(await response.text()).not.toContain('<script>');
    }
    now = new Date(now.getTime() + 2 * 3600_000); // past the 1 h test TTL
    const expired = await fetch(link);
    expect(expired.status).toBe(400);
    expect(await expired.text()).toContain('有効期限');
    expect(findSubscriberByEmail(db, 'late@example.com')).toMatchObject({ status: 'pending' });
  });

  it('answers before it looks the address up, so the answer cannot tell known from new', async () => {
    const events: string[] = [];
    const probe = await createServer({ config, db, outDir, templatesDir, mailer, clock, subscribeRateLimit: 1000, log: (_level, event) => events.push(event) });
    probe.app.addHook('onSend', async (request, _reply, payload) => {
      if (request.url === '/subscribe') events.push('answered');
      return payload;
    });
    const url = await probe.app.listen({ host: '127.0.0.1', port: 0 });
    try {
      addSubscriber(db, { email: 'probed@example.com', source: 'cli', status: 'active' }, now);
      await (await fetch(`${url}/subscribe`, form({ email: 'probed@example.com' }))).text();
      await probe.drainMail();
      expect(events).toEqual(['answered', 'subscribe.no-mail']);
    } finally {
      await probe.app.close();
    }
  });

  it('never lets a link sent before an unsubscribe sign the subscriber up again', async () => {
    const before = smtp.messages.length;
    await (await fetch(`${base}/subscribe`, form({ email: 'changed-mind@example.com' }))).text();
    const first = linkIn((await smtp.waitFor(before + 1))[before]!, '/confirm?token=').replace('https://tayori.example.com', base);
    now = new Date(now.getTime() + 30 * 60_000); // past the resend window, within the link's hour
    await (await fetch(`${base}/subscribe`, form({ email: 'changed-mind@example.com' }))).text();
    const second = linkIn((await smtp.waitFor(before + 2))[before + 1]!, '/confirm?token=').replace('https://tayori.example.com', base);
    expect((await fetch(second)).status).toBe(200);
    const subscriber = findSubscriberByEmail(db, 'changed-mind@example.com')!;
    expect(subscriber.status).toBe('active');
    now = new Date(now.getTime() + 60_000);
    expect((await fetch(`${base}/unsubscribe?token=${subscriber.token}`, form({ 'List-Unsubscribe': 'One-Click' }))).status).toBe(200);
    now = new Date(now.getTime() + 60_000);
    for (const link of [first, second]) {
      const response = await fetch(link);
      expect(response.status, link).toBe(400);
      expect(await response.text()).toContain('有効期限');
    }
    expect(findSubscriberByEmail(db, 'changed-mind@example.com')).toMatchObject({ status: 'unsubscribed' });
    // Asking again at once (within the 10-minute window of the last link) sends a fresh link.
    await (await fetch(`${base}/subscribe`, form({ email: 'changed-mind@example.com' }))).text();
    await server.drainMail();
    const third = linkIn((await smtp.waitFor(before + 3))[before + 2]!, '/confirm?token=').replace('https://tayori.example.com', base);
    expect((await fetch(third)).status).toBe(200);
    expect(findSubscriberByEmail(db, 'changed-mind@example.com')).toMatchObject({ status: 'active' });
  });

  it('keeps at most 200 UTF-16 units of a name, cut between characters, never half an emoji', async () => {
    const name = `${'a'.repeat(198)}🎉tail`;
    await (await fetch(`${base}/subscribe`, form({ email: 'long-name@example.com', name }))).text();
    await server.drainMail();
    const stored = findSubscriberByEmail(db, 'long-name@example.com')!.name!;
    expect(stored).toBe(`${'a'.repeat(198)}🎉`);
    await (await fetch(`${base}/subscribe`, form({ email: 'half-emoji@example.com', name: `${'a'.repeat(199)}🎉` }))).text();
    await server.drainMail();
    expect(findSubscriberByEmail(db, 'half-emoji@example.com')!.name).toBe('a'.repeat(199));
    // A character piled with combining marks counts by its length, not as one.
    await (await fetch(`${base}/subscribe`, form({ email: 'marks@example.com', name: `Z${'\u0301'.repeat(2500)}` }))).text();
    await server.drainMail();
    expect(findSubscriberByEmail(db, 'marks@example.com')!.name ?? '').toBe('');
  });

  it('confirms nothing on HEAD (link checkers)', async () => {
    const before = smtp.messages.length;
    await (await fetch(`${base}/subscribe`, form({ email: 'checked-link@example.com' }))).text();
    const link = linkIn((await smtp.waitFor(before + 1))[before]!, '/confirm?token=').replace('https://tayori.example.com', base);
    const head = await fetch(link, { method: 'HEAD' });
    expect(head.status).not.toBe(200);
    expect(findSubscriberByEmail(db, 'checked-link@example.com')).toMatchObject({ status: 'pending' });
    expect((await fetch(link)).status).toBe(200);
    expect(findSubscriberByEmail(db, 'checked-link@example.com')).toMatchObject({ status: 'active' });
  });

  it('sends a new link at once after a failed confirmation mail, and keeps the first link working', async () => {
    // The first send delivers the message and then reports an error, as a timeout waiting for
    // the server's final answer does: the subscriber has that link, and it must still work.
    let failures = 1;
    const flaky = {
      send: async (message: Parameters<typeof mailer.send>[0]) => {
        const result = await mailer.send(message);
        if (failures-- > 0) throw new Error('timeout waiting for the answer to DATA');
        return result;
      },
    };
    const events: string[] = [];
    const retrying = await createServer({ config, db, outDir, templatesDir, mailer: flaky, clock, subscribeRateLimit: 1000, log: (_level, event) => events.push(event) });
    const url = await retrying.app.listen({ host: '127.0.0.1', port: 0 });
    try {
      const before = smtp.messages.length;
      await (await fetch(`${url}/subscribe`, form({ email: 'retry@example.com' }))).text();
      await retrying.drainMail();
      expect(events).toContain('subscribe.confirmation-failed');
      // Asked again within the resend window: the failed mail doesn't count, a new one goes out.
      await (await fetch(`${url}/subscribe`, form({ email: 'retry@example.com' }))).text();
      await retrying.drainMail();
      const [first, second] = (await smtp.waitFor(before + 2)).slice(before);
      expect(JSON.stringify(second!.to)).toContain('retry@example.com');
      expect(events.filter((e) => e === 'subscribe.confirmation-sent')).toHaveLength(1);
      // A third request now falls within the window of the mail that went out: no mail.
      await (await fetch(`${url}/subscribe`, form({ email: 'retry@example.com' }))).text();
      await retrying.drainMail();
      expect(smtp.messages.length).toBe(before + 2);
      const firstLink = linkIn(first!, '/confirm?token=').replace('https://tayori.example.com', url);
      expect((await fetch(firstLink)).status).toBe(200);
      expect(findSubscriberByEmail(db, 'retry@example.com')).toMatchObject({ status: 'active' });
    } finally {
      await retrying.app.close();
    }
  });

  it('escapes what it echoes back and refuses oversized bodies', async () => {
    const response = await fetch(`${base}/subscribe`, form({ email: '<script>alert(1)</script>' }));
    expect(response.status).toBe(400);
    const html = await response.text();
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).not.toContain('<script>alert(1)');
    const huge = await fetch(`${base}/subscribe`, form({ email: 'a@example.com', name: 'x'.repeat(40_000) }));
    expect(huge.status).toBe(413);
  });
});

describe('unsubscribe', () => {
  let token: string;
  beforeAll(() => {
    const { subscriber } = addSubscriber(db, { email: 'leaving@example.com', source: 'cli', status: 'active' }, now);
    token = subscriber.token;
  });

  it('GET only shows a button and changes nothing', async () => {
    const response = await fetch(`${base}/unsubscribe?token=${token}`);
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).toContain(`<form method="post" action="/unsubscribe?token=${token}">`);
    expect(findSubscriberByEmail(db, 'leaving@example.com')).toMatchObject({ status: 'active' });
  });

  it('unsubscribes on the RFC 8058 one-click POST exactly as Gmail sends it, idempotently', async () => {
    const gmail = {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': 'Mozilla/5.0 (compatible; Google-Unsubscribe)' },
      body: 'List-Unsubscribe=One-Click',
      redirect: 'manual' as const,
    };
    const first = await fetch(`${base}/unsubscribe?token=${token}`, gmail);
    expect(first.status).toBe(200);
    expect(first.headers.get('set-cookie')).toBeNull();
    expect(findSubscriberByEmail(db, 'leaving@example.com')).toMatchObject({ status: 'unsubscribed' });
    const second = await fetch(`${base}/unsubscribe?token=${token}`, gmail);
    expect(second.status).toBe(200);
    expect(await second.text()).toContain('停止済み');
  });

  it('accepts multipart/form-data too', async () => {
    const { subscriber } = addSubscriber(db, { email: 'multi@example.com', source: 'cli', status: 'active' }, now);
    const body = new FormData();
    body.set('List-Unsubscribe', 'One-Click');
    const response = await fetch(`${base}/unsubscribe?token=${subscriber.token}`, { method: 'POST', body });
    expect(response.status).toBe(200);
    expect(findSubscriberByEmail(db, 'multi@example.com')).toMatchObject({ status: 'unsubscribed' });
  });

  it('answers malformed and unknown tokens with 400 and changes nothing', async () => {
    const { subscriber } = addSubscriber(db, { email: 'stays@example.com', source: 'cli', status: 'active' }, now);
    for (const query of ['', '?token=', '?token=..%2F..%2Fetc', `?token=${'z'.repeat(40)}`, `?token=${subscriber.token}x%3Cb%3E`]) {
      for (const method of ['GET', 'POST']) {
        const response = await fetch(`${base}/unsubscribe${query}`, method === 'POST' ? form({ 'List-Unsubscribe': 'One-Click' }) : {});
        expect(response.status, `${method} ${query}`).toBe(400);
        const html = await response.text();
        expect(html).not.toContain('<b>');
      }
    }
    expect(findSubscriberByEmail(db, 'stays@example.com')).toMatchObject({ status: 'active' });
  });
});

describe('rate limit', () => {
  it('limits /subscribe per client', async () => {
    const limited = await createServer({ config, db, outDir, templatesDir, mailer, clock, subscribeRateLimit: 3 });
    const url = await limited.app.listen({ host: '127.0.0.1', port: 0 });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) {
        const response = await fetch(`${url}/subscribe`, form({ email: `burst${i}@example.com` }));
        statuses.push(response.status);
        await response.text();
      }
      expect(statuses).toEqual([200, 200, 200, 429, 429]);
      await limited.drainMail();
    } finally {
      await limited.app.close();
    }
  });
});

describe('rate limit behind a reverse proxy (server.trustProxy)', () => {
  it('counts each forwarded client on its own', async () => {
    const proxied = await createServer({ config, db, outDir, templatesDir, mailer, clock, subscribeRateLimit: 2, trustProxy: true });
    const url = await proxied.app.listen({ host: '127.0.0.1', port: 0 });
    try {
      const statuses: number[] = [];
      for (const client of ['203.0.113.1', '203.0.113.1', '203.0.113.1', '203.0.113.2']) {
        const request = form({ email: `proxy-${statuses.length}@example.com` });
        const response = await fetch(`${url}/subscribe`, { ...request, headers: { ...request.headers, 'x-forwarded-for': client } });
        statuses.push(response.status);
        await response.text();
      }
      expect(statuses).toEqual([200, 200, 429, 200]);
      // Entries the client wrote before the proxy's own don't make it someone else.
      const forged = form({ email: 'forged@example.com' });
      const response = await fetch(`${url}/subscribe`, { ...forged, headers: { ...forged.headers, 'x-forwarded-for': '198.51.100.9, 203.0.113.1' } });
      expect(response.status).toBe(429);
      await response.text();
      await proxied.drainMail();
    } finally {
      await proxied.app.close();
    }
  });
});

describe('a site under a path (site.url https://example.com/blog/)', () => {
  it('links its own pages and forms under that path', async () => {
    const blog = siteConfig('https://example.com/blog/');
    const prefixed = await createServer({ config: blog, db, outDir, templatesDir, mailer, clock });
    const url = await prefixed.app.listen({ host: '127.0.0.1', port: 0 });
    try {
      const { subscriber } = addSubscriber(db, { email: 'blog-reader@example.com', source: 'cli', status: 'active' }, now);
      const html = await (await fetch(`${url}/unsubscribe?token=${subscriber.token}`)).text();
      expect(html).toContain(`<form method="post" action="/blog/unsubscribe?token=${subscriber.token}">`);
      expect(html).toContain('href="/blog/site.css"');
      expect(html).not.toMatch(/(href|action)="\/(?!blog\/)/);
    } finally {
      await prefixed.app.close();
    }
  });
});

describe('without post pages (site.pages: false)', () => {
  it('answers / with feed links and the subscribe form, and serves the stylesheet', async () => {
    const emptyOut = path.join(temp.dir, 'feeds-only');
    const pagesOff = { ...config, site: { ...config.site, pages: false } };
    const bare = await createServer({ config: pagesOff, db, outDir: emptyOut, templatesDir, mailer, clock });
    const url = await bare.app.listen({ host: '127.0.0.1', port: 0 });
    try {
      const home = await fetch(`${url}/`);
      expect(home.status).toBe(200);
      const html = await home.text();
      expect(html).toContain('<form class="subscribe" method="post" action="/subscribe">');
      expect(html).toContain('href="https://tayori.example.com/feed.xml"');
      // The front page links nowhere back to itself.
      expect(html).not.toContain('<a href="/">');
      const css = await fetch(`${url}/site.css`);
      expect(css.status).toBe(200);
      expect(css.headers.get('content-type')).toBe('text/css; charset=utf-8');
      expect(await css.text()).toContain('.subscribe');
    } finally {
      await bare.app.close();
    }
  });
});
