/**
 * A post page links each of its categories and tags to that term's feed: every such link must
 * open a feed the build wrote, and with the term feeds off (feeds.perCategory / perTag: false)
 * the names are shown without links.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { build } from '../../src/build/build.js';
import type { Config } from '../../src/config/load.js';
import { projectRoot, tempDir } from '../helpers/paths.js';
import { siteConfig, writePosts } from '../server/fixtures.js';

const temp = tempDir();
afterAll(() => temp.cleanup());
const postsDir = path.join(temp.dir, 'posts');
writePosts(postsDir);

async function pageOf(name: string, config: Config): Promise<{ outDir: string; page: string; file: string }> {
  const outDir = path.join(temp.dir, name);
  await build({ config, configText: '', postsDir, outDir, templatesDir: path.join(projectRoot, 'templates'), cacheDir: path.join(temp.dir, `${name}-cache`), now: new Date('2026-11-23T00:00:00Z'), pageThreads: 1 });
  const file = path.join(outDir, '2026/11/02/hello/index.html');
  return { outDir, page: readFileSync(file, 'utf8'), file };
}

describe('category and tag links on a post page', () => {
  it('each opens a feed the build wrote', async () => {
    const { page, file } = await pageOf('on', siteConfig());
    const hrefs = [...page.matchAll(/<a href="([^"]+)" type="application\/rss\+xml">/g)].map((m) => m[1]!).filter((href) => href.includes('categories/') || href.includes('tags/'));
    expect(hrefs).toHaveLength(3); // お知らせ; tayori, Node.js
    for (const href of hrefs) expect(existsSync(path.resolve(path.dirname(file), decodeURIComponent(href))), href).toBe(true);
  });

  it('are plain names when the term feeds are off', async () => {
    const { outDir, page } = await pageOf('off', siteConfig('https://example.com/', { feeds: { perCategory: false, perTag: false } }));
    expect(existsSync(path.join(outDir, 'categories'))).toBe(false);
    expect(existsSync(path.join(outDir, 'tags'))).toBe(false);
    expect(page).not.toMatch(/href="[^"]*(categories|tags)\//);
    expect(page).toContain('<li>カテゴリー: お知らせ</li>');
    expect(page).toContain('<li>#Node.js</li>');
  });

  it('the front page links a post whose permalink starts with a colon segment as a path', async () => {
    writeFileSync(path.join(postsDir, 'colon.md'), '---\ntitle: Colon\ndate: 2026-11-20 10:00:00 +0900\npermalink: /notes:2025/\n---\nbody\n');
    const { outDir } = await pageOf('colon', siteConfig());
    expect(readFileSync(path.join(outDir, 'index.html'), 'utf8')).toContain('href="./notes:2025/"');
    expect(existsSync(path.join(outDir, 'notes:2025/index.html'))).toBe(true);
    const items = (JSON.parse(readFileSync(path.join(outDir, 'feed.json'), 'utf8')) as { items: { url: string }[] }).items;
    expect(items.map((i) => i.url)).toContain('https://example.com/notes:2025/');
  });
});
