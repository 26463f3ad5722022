/**
 * The front page lists excerpts inside the site's own page: one post's <style>, script or frame
 * must not reach it. The post's own page and the feeds keep the excerpt as the author wrote it.
 */
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadFull, loadPosts } from '../../src/content/load.js';
import { feedEntry } from '../../src/feeds/entry.js';
import { pageFileFor, renderPages } from '../../src/pages/render.js';
import { expectFormattingKept, expectNothingHostile, HOSTILE_TITLE, linkTags, writeHostilePost } from '../helpers/hostile-excerpt.js';
import { projectRoot, tempDir } from '../helpers/paths.js';
import { siteConfig, writePosts } from '../server/fixtures.js';

const temp = tempDir();
afterAll(() => temp.cleanup());
const postsDir = path.join(temp.dir, 'posts');
writePosts(postsDir);
writeHostilePost(postsDir, '2026-11-20 10:00:00 +0900', '2026-11-20-hostile.md');
const templatesDir = path.join(projectRoot, 'templates');
const now = new Date('2026-11-23T00:00:00Z');

function build() {
  const config = siteConfig('https://example.com/blog/');
  const posts = loadPosts(postsDir, config, now).posts.map((p) => loadFull(p, config));
  const files = renderPages(config, posts, templatesDir);
  const hostile = posts.find((p) => p.title === HOSTILE_TITLE)!;
  const page = (file: string) => files.find((f) => f.path === file)!.contents;
  return { config, posts, hostile, index: page('index.html'), postPage: page(pageFileFor(hostile)) };
}

describe('front page excerpts', () => {
  it("show the excerpt's formatting and none of its style, script, handlers, javascript: links, frames, classes or ids", () => {
    const { index } = build();
    expect(index).toContain(HOSTILE_TITLE);
    expectFormattingKept(index);
    expectNothingHostile('index.html', index);
    const excerpts = [...index.matchAll(/<div class="excerpt">([\s\S]*?)<\/div>/g)].map((m) => m[1]!);
    expect(excerpts).toHaveLength(4);
    for (const excerpt of excerpts) expect(excerpt).not.toMatch(/\s(style|class|id)="/);
    // The page's own links are as the template wrote them.
    for (const tag of linkTags(index)) expect(tag).not.toMatch(/style=/);
    // Ordinary excerpts are shown as before.
    expect(index).toContain('<div class="excerpt"><p>こんにちは、世界。日本語の本文です。</p></div>');
    expect(index).toContain('<div class="excerpt"><p>An English post with <strong>bold</strong> text and a <a href="https://example.com/about/">link</a>.</p></div>');
  });

  it("leave the post's own page and the feeds' summary as the author wrote them", () => {
    const { config, hostile, postPage, index } = build();
    expect(postPage).toContain('a { display: none; }');
    expect(postPage).toContain('<iframe src="https://evil.example/frame">');
    expect(postPage).toContain('<span style="color: #badbad">');
    expect(feedEntry(config, hostile).summaryHtml).toBe(hostile.excerptHtml);
    expect(hostile.excerptHtml).toContain('<style>');
    expect(index).not.toContain('<style>');
  });
});
