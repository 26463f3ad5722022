import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadFull, loadPosts } from '../../src/content/load.js';
import { feedDir } from '../../src/feeds/paths.js';
import { pageFileFor, renderPages } from '../../src/pages/render.js';
import { projectRoot, tempDir } from '../helpers/paths.js';
import { siteConfig, writePosts } from './fixtures.js';

const temp = tempDir();
afterAll(() => temp.cleanup());
const postsDir = path.join(temp.dir, 'posts');
writePosts(postsDir);
const templatesDir = path.join(projectRoot, 'templates');
const now = new Date('2026-11-23T00:00:00Z');

function render(configOverrides: Parameters<typeof siteConfig>[1] = {}) {
  const config = siteConfig('https://example.com/blog/', configOverrides);
  const { posts } = loadPosts(postsDir, config, now);
  return { config, posts, files: renderPages(config, posts.map((p) => loadFull(p, config)), templatesDir) };
}

describe('renderPages', () => {
  it('writes one page per published post at its decoded permalink, plus index.html and site.css', () => {
    const { files, posts } = render();
    expect(posts).toHaveLength(3);
    const paths = files.map((f) => f.path).sort();
    expect(paths).toEqual(
      ['2026/11/02/hello/index.html', '2026/11/09/ampersand/index.html', '2026/11/16/日本語スラッグ/index.html', 'index.html', 'site.css'].sort(),
    );
  });

  it('escapes titles, sets charset and lang, and links the feeds of categories and tags', () => {
    const { files } = render();
    const english = files.find((f) => f.path === '2026/11/09/ampersand/index.html')!.contents;
    expect(english).toContain('Tom &amp; Jerry &lt;script&gt;alert(1)&lt;/script&gt;');
    expect(english).not.toContain('<script>');
    expect(english).toMatch(/<meta charset="utf-8">/);
    expect(english).toContain('<html lang="en">');
    expect(english).toContain('<strong>bold</strong>');
    // four folders deep: links back to the root are relative
    expect(english).toContain('href="../../../../site.css"');
    expect(english).toContain('href="../../../../tags/cartoons/feed.xml"');
    const japanese = files.find((f) => f.path === '2026/11/02/hello/index.html')!.contents;
    expect(japanese).toContain('<html lang="ja">');
    expect(japanese).toContain('こんにちは、世界。');
    expect(japanese).toContain('2026年11月2日');
    // Term feeds are linked through the feed planner's own naming (feeds/paths.ts).
    expect(japanese).toContain(`href="../../../../${feedDir('category', 'お知らせ')}/feed.xml"`);
    expect(japanese).toContain(`href="../../../../${feedDir('tag', 'Node.js')}/feed.xml"`);
    expect(feedDir('tag', 'Node.js')).toMatch(/^tags\/[a-z0-9_-]+$/);
    expect(japanese).toContain('<link rel="canonical" href="https://example.com/blog/2026/11/02/hello/">');
  });

  it('renders the front page: newest first, excerpts, autodiscovery, feed links and a no-JS subscribe form', () => {
    const { files } = render();
    const index = files.find((f) => f.path === 'index.html')!.contents;
    expect(index).toContain('<title>たより手帖 &amp; Notes</title>');
    expect(index).toContain('小さな記録 &lt;small&gt;');
    expect(index).toContain('<link rel="alternate" type="application/rss+xml" title="たより手帖 &amp; Notes (RSS)" href="https://example.com/blog/feed.xml">');
    expect(index).toContain('type="application/atom+xml" title="たより手帖 &amp; Notes (Atom)" href="https://example.com/blog/atom.xml"');
    expect(index).toContain('type="application/feed+json" title="たより手帖 &amp; Notes (JSON Feed)" href="https://example.com/blog/feed.json"');
    expect(index).toMatch(/<form class="subscribe" method="post" action="subscribe">/);
    expect(index).toContain('name="email" type="email" required');
    const order = ['スラッグも日本語', 'Tom &amp; Jerry', 'はじめての投稿'].map((t) => index.indexOf(t));
    expect(order.every((i) => i > 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    // the link keeps the percent-encoding; the file on disk is decoded
    expect(index).toContain(`href="2026/11/16/${encodeURIComponent('日本語スラッグ')}/"`);
    expect(index).toContain('こんにちは、世界。');
    expect(index).not.toContain('続きの段落');
    expect(index).not.toContain('未来の投稿');
  });

  it('writes nothing when site.pages is false', () => {
    const config = siteConfig('https://example.com/');
    const off = { ...config, site: { ...config.site, pages: false } };
    expect(renderPages(off, [], templatesDir)).toEqual([]);
  });

  it('refuses permalinks that would leave the output folder or hit the front page', () => {
    expect(() => pageFileFor({ path: '/a/%2E%2E/b/', file: 'x.md' })).toThrow(/x\.md: .*leave the output folder/);
    expect(() => pageFileFor({ path: '/a%2Fb/', file: 'y.md' })).toThrow(/y\.md/);
    expect(() => pageFileFor({ path: '/', file: 'z.md' })).toThrow(/front page/);
    expect(pageFileFor({ path: '/about.html', file: 'a.md' })).toBe('about.html');
  });
});
