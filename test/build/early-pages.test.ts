/**
 * Pages started while the front matter is read (src/build/early-pages.ts) must end up exactly
 * as a build on the main thread alone writes them, also when a guess was wrong: two posts with
 * one URL or one id, where the file read first is the one left out.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { build } from '../../src/build/build.js';
import { parseConfig } from '../../src/config/load.js';
import { projectRoot, tempDir } from '../helpers/paths.js';

const temp = tempDir('tayori-early-pages-');
afterAll(() => temp.cleanup());
const postsDir = path.join(temp.dir, 'posts');
const config = parseConfig({
  site: { title: '早出し', url: 'https://example.com/', language: 'ja', author: '編集部', timezone: 'Asia/Tokyo', pages: true },
});
const NOW = new Date('2026-11-23T00:00:00Z');

function post(file: string, front: string[], body: string): void {
  mkdirSync(path.dirname(path.join(postsDir, file)), { recursive: true });
  writeFileSync(path.join(postsDir, file), `---\n${front.join('\n')}\n---\n\n${body}\n`);
}

/** Builds into `name`/ (output and cache) with `threads` page renderers; returns every output file's text. */
async function buildInto(name: string, threads: number): Promise<{ files: Map<string, string>; report: Awaited<ReturnType<typeof build>> }> {
  const outDir = path.join(temp.dir, name, 'public');
  const report = await build({
    config,
    configText: '',
    postsDir,
    outDir,
    templatesDir: path.join(projectRoot, 'templates'),
    cacheDir: path.join(temp.dir, name, 'cache'),
    now: NOW,
    pageThreads: threads,
  });
  const names = (readdirSync(outDir, { recursive: true }) as string[]).filter((f) => statSync(path.join(outDir, f)).isFile());
  return { files: new Map(names.sort().map((f) => [f, readFileSync(path.join(outDir, f), 'utf8')])), report };
}

describe('pages started early', () => {
  it('come out as on the main thread alone when the post read first loses a URL or an id', async () => {
    // Same slug and day, so the same URL: a/ is read first, b/ was published first and stays.
    post('a/2026-11-20-same.md', ['title: "遅いほう A"', 'date: 2026-11-20 12:00:00 +0900'], 'A の本文');
    post('b/2026-11-20-same.md', ['title: "早いほう B"', 'date: 2026-11-20 08:00:00 +0900'], 'B の本文');
    // Same id, different URLs: c is read first, d was published first and stays.
    post('c.md', ['title: "C"', 'id: shared', 'slug: c', 'date: 2026-11-21 12:00:00 +0900'], 'C の本文');
    post('d.md', ['title: "D"', 'id: shared', 'slug: d', 'date: 2026-11-21 08:00:00 +0900'], 'D の本文');
    // Never started: a draft and a post dated after NOW.
    post('e.md', ['title: "E"', 'draft: true', 'date: 2026-11-19'], 'E');
    post('f.md', ['title: "F"', 'date: 2027-01-01'], 'F');
    for (let i = 0; i < 40; i++) post(`many/2026-10-${String((i % 28) + 1).padStart(2, '0')}-p${i}.md`, [`title: "P${i}"`], `本文 ${i}`);

    const alone = await buildInto('alone', 1);
    const early = await buildInto('early', 2);
    expect(early.report.pageThreads).toBe(2);
    expect(early.files).toEqual(alone.files);
    expect([...early.report.written].sort()).toEqual([...alone.report.written].sort());

    const page = early.files.get('2026/11/20/same/index.html');
    expect(page).toContain('B の本文');
    expect(page).not.toContain('A の本文');
    expect(early.files.has('2026/11/21/d/index.html')).toBe(true);
    expect(early.files.has('2026/11/21/c/index.html')).toBe(false);
    expect(early.report.problems.map((p) => p.file).sort()).toEqual(['a/2026-11-20-same.md', 'c.md']);
  });

  it('never start a page whose path selectPublished refuses, and come out as on the main thread alone', async () => {
    rmSync(postsDir, { recursive: true, force: true });
    post('good.md', ['title: "Good"', 'date: 2026-11-20 08:00:00 +0900'], 'good');
    // Read first, published later: loses about/index.html to about-b.md.
    post('about-a.md', ['title: "About A"', 'date: 2026-11-21 08:00:00 +0900', 'permalink: /about'], 'A');
    post('about-b.md', ['title: "About B"', 'date: 2026-11-20 09:00:00 +0900', 'permalink: /about/'], 'B');
    post('feed.md', ['title: "Feed"', 'date: 2026-11-20 10:00:00 +0900', 'permalink: /feed.xml'], 'feed');
    post('long.md', ['title: "Long"', 'date: 2026-11-20 11:00:00 +0900', `slug: "${'長'.repeat(100)}"`], 'long');
    for (let i = 0; i < 40; i++) post(`many/2026-10-${String((i % 28) + 1).padStart(2, '0')}-p${i}.md`, [`title: "P${i}"`], `本文 ${i}`);

    const alone = await buildInto('refused-alone', 1);
    const early = await buildInto('refused-early', 2);
    expect(early.report.pageThreads).toBe(2);
    expect(early.files).toEqual(alone.files);
    expect(early.files.get('about/index.html')).toContain('About B');
    expect(early.files.get('about/index.html')).not.toContain('About A');
    expect(early.files.has('feed.xml')).toBe(true);
    expect([...early.files.keys()].filter((f) => f.startsWith('feed.xml/') || f.includes('長'))).toEqual([]);
    expect(early.report.problems.map((p) => [p.file, p.line])).toEqual([
      ['feed.md', 4],
      ['long.md', 4],
      ['about-a.md', 4],
    ]);
  });

  it('a page file where the other post of a clash needs a folder (/a.html and /a.html/b/): the kept one is written, in either order', async () => {
    for (const [name, folderFirst] of [['nest-1', true], ['nest-2', false]] as const) {
      rmSync(postsDir, { recursive: true, force: true });
      // The earlier post stays; its file is read second (folderFirst) or first.
      post(folderFirst ? 'z.md' : 'a.md', ['title: "File"', 'date: 2026-01-01 08:00:00 +0900', 'permalink: /a.html'], 'file page');
      post(folderFirst ? 'b.md' : 'y.md', ['title: "Folder"', 'date: 2026-01-02 08:00:00 +0900', 'permalink: /a.html/b/'], 'folder page');
      for (let i = 0; i < 40; i++) post(`many/2026-10-${String((i % 28) + 1).padStart(2, '0')}-p${i}.md`, [`title: "P${i}"`], `本文 ${i}`);
      const alone = await buildInto(`${name}-alone`, 1);
      const early = await buildInto(`${name}-early`, 2);
      expect(early.report.pageThreads).toBe(2);
      expect(early.files).toEqual(alone.files);
      expect(early.files.get('a.html')).toContain('file page');
      expect(existsSync(path.join(temp.dir, `${name}-early`, 'public', 'a.html', 'b'))).toBe(false);
      expect(early.report.problems.map((p) => p.file)).toEqual([folderFirst ? 'b.md' : 'y.md']);
      // And the next build, too (a folder left behind broke every later one).
      expect((await buildInto(`${name}-early`, 2)).files.get('a.html')).toContain('file page');
    }
  });

  it('a page whose post changes to the other one of a clash is rewritten, whatever the last build recorded', async () => {
    rmSync(postsDir, { recursive: true, force: true });
    post('b/2026-11-20-same.md', ['title: "早いほう B"', 'date: 2026-11-20 08:00:00 +0900'], 'B の本文');
    await buildInto('again', 2);
    // The file read first now is a/, whose page is started over B's; B stays, and its page with it.
    post('a/2026-11-20-same.md', ['title: "遅いほう A"', 'date: 2026-11-20 12:00:00 +0900'], 'A の本文');
    const second = await buildInto('again', 2);
    expect(second.files.get('2026/11/20/same/index.html')).toContain('B の本文');
    expect(second.files.get('2026/11/20/same/index.html')).not.toContain('A の本文');
    expect(existsSync(path.join(temp.dir, 'again', 'public', '2026/11/20/same/index.html'))).toBe(true);
  });
});
