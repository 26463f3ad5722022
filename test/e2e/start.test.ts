import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDb, type Db } from '../../src/store/db.js';
import { findSubscriberByEmail } from '../../src/store/subscribers.js';
import { runCliAsync } from '../helpers/cli.js';
import { projectRoot, tempDir } from '../helpers/paths.js';
import { writePosts } from '../server/fixtures.js';
import { linkIn, startSmtp, type CapturingSmtp } from '../server/smtp.js';

/**
 * `tayori start` end to end, as a visitor and a subscriber meet it: the compiled CLI in a child
 * process (run `npx tsc -p tsconfig.json` first), Debian's headless Chromium, a real SMTP
 * server in this process, and the SQLite store checked at each step.
 */
const artifacts = path.join(projectRoot, 'test-artifacts', 'start');
const temp = tempDir('tayori-e2e-start-');
const bin = path.join(projectRoot, 'bin/tayori.js');
let smtp: CapturingSmtp;
let browser: Browser;
let server: ChildProcess;
let serverLog = '';
let base = '';
let db: Db;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

/** Spawns `tayori start` and resolves once it listens and its scheduler has started; collects its output. */
function startTayori(port: number, onOutput: (text: string) => void): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, 'start', '--config', 'tayori.yaml', '--port', String(port)], {
      cwd: temp.dir,
      env: { ...process.env, SMTP_URL: smtp.url, HOST: '', PORT: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const onData = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      onOutput(chunk.toString('utf8'));
      if (output.includes('"event":"scheduler.started"')) resolve(child);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`tayori start exited with ${code}:\n${output}`)));
  });
}

function exitOf(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

async function shot(page: Page, name: string) {
  await page.screenshot({ path: path.join(artifacts, name), fullPage: true });
}

beforeAll(async () => {
  mkdirSync(artifacts, { recursive: true });
  smtp = await startSmtp();
  writePosts(path.join(temp.dir, 'posts'));
  const port = await freePort();
  base = `http://127.0.0.1:${port}/`;
  writeFileSync(
    path.join(temp.dir, 'tayori.yaml'),
    [
      'site:',
      '  title: "たより手帖 — E2E"',
      '  description: "小さなチームの開発記録。"',
      `  url: "${base}"`,
      '  language: ja',
      '  author: "たより編集部"',
      '  timezone: Asia/Tokyo',
      'digest:',
      '  schedule: "0 9 * * 1"',
      '  lookback: 3650',
      '  from: "たより手帖 <news@example.com>"',
      '',
    ].join('\n'),
  );
  server = await startTayori(port, (text) => (serverLog += text));
  db = openDb(path.join(temp.dir, 'data/tayori.sqlite'));
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
});

afterAll(async () => {
  await browser?.close();
  if (server && server.exitCode === null) server.kill('SIGKILL');
  db?.close();
  await smtp?.close();
  temp.cleanup();
});

describe('tayori start in Chromium', () => {
  it('walks from the front page to posts, subscribes, confirms, receives a digest and unsubscribes', async () => {
    const page = await browser.newPage({ viewport: { width: 1000, height: 900 }, locale: 'ja-JP' });

    // Front page: feed autodiscovery and visible links, the post list.
    const front = await page.goto(base);
    expect(front?.status()).toBe(200);
    expect(await page.locator('html').getAttribute('lang')).toBe('ja');
    const alternates = await page.locator('link[rel="alternate"]').evaluateAll((links) =>
      links.map((l) => [l.getAttribute('type'), (l as HTMLLinkElement).href]),
    );
    expect(alternates).toEqual([
      ['application/rss+xml', `${base}feed.xml`],
      ['application/atom+xml', `${base}atom.xml`],
      ['application/feed+json', `${base}feed.json`],
    ]);
    const visibleFeeds = await page.locator('.intro a.feed-link').evaluateAll((links) => links.map((l) => (l as HTMLAnchorElement).href));
    expect(visibleFeeds).toEqual([`${base}feed.xml`, `${base}atom.xml`, `${base}feed.json`]);
    for (const url of visibleFeeds) expect((await page.request.get(url)).status()).toBe(200);
    await shot(page, '01-front.png');

    // A post from the list.
    await page.locator('.post-list a', { hasText: 'スラッグも日本語' }).click();
    await page.waitForLoadState();
    expect(decodeURIComponent(new URL(page.url()).pathname)).toBe('/2026/11/16/日本語スラッグ/');
    await expect(page.locator('article h1').textContent()).resolves.toBe('スラッグも日本語');
    await shot(page, '02-post-from-list.png');

    // A post from a feed item's link.
    const rss = await (await page.request.get(`${base}feed.xml`)).text();
    const itemLink = rss.match(/<item>[\s\S]*?<link>([^<]+)<\/link>/)![1]!;
    expect(itemLink.startsWith(base)).toBe(true);
    const fromFeed = await page.goto(itemLink);
    expect(fromFeed?.status()).toBe(200);
    await expect(page.locator('article h1').count()).resolves.toBe(1);
    await shot(page, '03-post-from-feed.png');

    // The feed itself, as a browser shows it.
    await page.goto(`${base}feed.xml`);
    await page.evaluate("document.querySelector('xslt-warning-banner')?.remove()");
    // The XSLT preview turned the feed into a page (the CSP lets /feed.xsl load).
    await expect(page.locator('h1').first().textContent()).resolves.toContain('たより手帖');
    await shot(page, '04-feed.png');

    // Subscribe through the form (no JavaScript involved).
    await page.goto(base);
    await page.fill('#subscribe-email', 'e2e.reader@example.com');
    await page.fill('#subscribe-name', 'E2E 読者');
    await Promise.all([page.waitForURL(`${base}subscribe`), page.click('form.subscribe button[type="submit"]')]);
    await expect(page.locator('h1').textContent()).resolves.toContain('確認メール');
    await shot(page, '05-subscribed.png');
    expect(findSubscriberByEmail(db, 'e2e.reader@example.com')).toMatchObject({ status: 'pending', source: 'web' });

    // Confirm from the captured e-mail.
    const [confirmation] = await smtp.waitFor(1);
    const confirmLink = linkIn(confirmation!, '/confirm?token=');
    expect(confirmLink.startsWith(`${base}confirm?token=`)).toBe(true);
    await page.goto(confirmLink);
    await expect(page.locator('h1').textContent()).resolves.toContain('購読を開始しました');
    await shot(page, '06-confirmed.png');
    expect(findSubscriberByEmail(db, 'e2e.reader@example.com')).toMatchObject({ status: 'active' });

    // Run a digest: the same code the scheduler runs, through the CLI.
    const digest = await runCliAsync(['digest', 'send', '--config', 'tayori.yaml'], { cwd: temp.dir, env: { SMTP_URL: smtp.url } });
    expect(digest.code, digest.stderr + digest.stdout).toBe(0);
    const messages = await smtp.waitFor(2);
    const digestMail = messages[1]!;
    expect(JSON.stringify(digestMail.to)).toContain('e2e.reader@example.com');
    const header = String(digestMail.headers.get('list-unsubscribe') ?? '');
    const unsubscribeLink = header.match(/<(https?:[^>]+)>/)?.[1] ?? linkIn(digestMail, '/unsubscribe');
    expect(unsubscribeLink.startsWith(`${base}unsubscribe?token=`)).toBe(true);

    // Unsubscribe: the GET only asks; the button does it.
    await page.goto(unsubscribeLink);
    await expect(page.locator('h1').textContent()).resolves.toContain('購読を停止しますか');
    expect(findSubscriberByEmail(db, 'e2e.reader@example.com')).toMatchObject({ status: 'active' });
    await shot(page, '07-unsubscribe-ask.png');
    await page.click('form button[type="submit"]');
    await page.waitForLoadState();
    await expect(page.locator('h1').textContent()).resolves.toContain('購読を停止しました');
    await shot(page, '08-unsubscribed.png');
    expect(findSubscriberByEmail(db, 'e2e.reader@example.com')).toMatchObject({ status: 'unsubscribed' });
    await page.close();
  });

  it('rebuilds when a post file is added, and when a future-dated post comes due', async () => {
    const feedHas = async (text: string) => {
      const deadline = Date.now() + 20_000;
      while (Date.now() < deadline) {
        if ((await (await fetch(`${base}feed.xml`)).text()).includes(text)) return true;
        await new Promise((r) => setTimeout(r, 200));
      }
      return false;
    };
    const stamp = (date: Date) => date.toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' +0000');
    writeFileSync(
      path.join(temp.dir, 'posts', '2026-11-20-added.md'),
      `---\ntitle: "追加した投稿"\ndate: 2026-11-20 10:00:00 +0900\n---\n\n実行中に追加。\n`,
    );
    expect(await feedHas('追加した投稿')).toBe(true);
    expect((await fetch(`${base}2026/11/20/added/`)).status).toBe(200);

    const soon = new Date(Date.now() + 6000);
    writeFileSync(path.join(temp.dir, 'posts', 'scheduled.md'), `---\ntitle: "予約投稿"\ndate: ${stamp(soon)}\n---\n\n時間が来たら公開。\n`);
    // Right after the write it is not published yet; it appears once its time has come.
    await new Promise((r) => setTimeout(r, 1000));
    expect((await (await fetch(`${base}feed.xml`)).text()).includes('予約投稿')).toBe(false);
    expect(await feedHas('予約投稿')).toBe(true);
    expect(serverLog).toContain('"event":"build"');
  });

  it('a second tayori start on the same store serves HTTP but does not send; SIGTERM exits 0', async () => {
    let secondLog = '';
    const port = await freePort();
    const second = await startTayori(port, (text) => (secondLog += text));
    expect(secondLog).toContain('"event":"scheduler.lock-held"');
    expect((await fetch(`http://127.0.0.1:${port}/feed.xml`)).status).toBe(200);
    second.kill('SIGTERM');
    expect(await exitOf(second)).toBe(0);

    expect(serverLog).toContain('"event":"scheduler.started"');
    expect(serverLog).toContain('"role":"sender"');
    server.kill('SIGTERM');
    expect(await exitOf(server)).toBe(0);
    expect(serverLog).toContain('"event":"stopped"');
    for (const line of serverLog.trim().split('\n')) expect(() => JSON.parse(line), line).not.toThrow();
  });

  it('a sender killed with SIGKILL leaves its lock behind; the next start takes it over', async () => {
    let killedLog = '';
    const killed = await startTayori(await freePort(), (text) => (killedLog += text));
    expect(killedLog).toContain('"role":"sender"');
    killed.kill('SIGKILL');
    await exitOf(killed);
    let nextLog = '';
    const next = await startTayori(await freePort(), (text) => (nextLog += text));
    const acquired = nextLog.split('\n').find((line) => line.includes('"event":"scheduler.lock-acquired"'));
    expect(acquired, nextLog).toBeDefined();
    expect(JSON.parse(acquired!).tookOverFrom.pid).toBe(killed.pid);
    expect(nextLog).toContain('"role":"sender"');
    next.kill('SIGINT');
    expect(await exitOf(next), nextLog).toBe(0);
  });
});
