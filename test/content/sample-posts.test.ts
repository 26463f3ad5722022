/** The sample posts in posts/ load cleanly with the project's own config, and show each odd case. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { loadFull, loadPosts } from '../../src/content/load.js';
import { stripXmlInvalid } from '../../src/content/text.js';
import { projectRoot } from '../helpers/paths.js';

const { config } = loadConfig({ file: path.join(projectRoot, 'config/tayori.yaml'), env: {}, cwd: projectRoot });
const postsDir = path.join(projectRoot, 'posts');
const now = new Date('2026-11-23T00:00:00Z');
const selection = loadPosts(postsDir, config, now);
const full = selection.posts.map((p) => loadFull(p, config));
const byFile = (name: string) => {
  const found = full.find((p) => p.file === name);
  if (!found) throw new Error(`${name} is not among the published sample posts`);
  return found;
};

describe('sample posts in posts/', () => {
  it('load with no problems; only the draft and the future post are left out, with those reasons', () => {
    expect(selection.problems).toEqual([]);
    expect(selection.skipped).toEqual([
      { file: '2026-11-20-ideas-for-december.md', reason: 'draft' },
      { file: '2026-12-01-fuyu-no-yotei.md', reason: 'future' },
    ]);
    expect(selection.posts.length).toBeGreaterThanOrEqual(8);
  });

  it('span at least four weeks, newest on 2026-11-16 (Tokyo), in Japanese and English, with categories and tags', () => {
    const dates = selection.posts.map((p) => p.date.getTime());
    expect(Math.max(...dates) - Math.min(...dates)).toBeGreaterThanOrEqual(28 * 86_400_000);
    expect(selection.posts[0]!.path.startsWith('/2026/11/16/')).toBe(true);
    expect(full.some((p) => /[ぁ-んァ-ン]/.test(p.title))).toBe(true);
    expect(full.some((p) => /^[\x20-\x7e]+$/.test(p.title))).toBe(true);
    for (const p of full) {
      expect(p.categories.length, p.file).toBeGreaterThan(0);
      expect(p.tags.length, p.file).toBeGreaterThan(0);
      expect(p.excerptText.length, p.file).toBeGreaterThan(0);
      expect(p.excerptHtml, p.file).not.toContain('**');
      for (const s of [p.title, p.html, p.excerptHtml, p.excerptText, ...p.categories, ...p.tags]) expect(stripXmlInvalid(s)).toBe(s);
    }
  });

  it('cover the odd cases', () => {
    expect(byFile('2026-10-19-timezone-no-hanashi.md')).toMatchObject({ title: '「タイムゾーンの話' });
    expect(byFile('2026-10-19-timezone-no-hanashi.md').date.toISOString()).toBe('2026-10-19T00:30:00.000Z'); // +0900
    expect(byFile('2026-10-19-timezone-no-hanashi.md').url).toBe(`https://tayori.example.com/2026/10/19/${encodeURIComponent('タイムゾーン')}/`);
    expect(byFile('2026-11-02-weekly-digest-hajimemasu.md').date.toISOString()).toBe('2026-11-01T15:00:00.000Z'); // date only
    expect(byFile('2026-10-27-feed-validators.md').date.toISOString()).toBe('2026-10-26T15:00:00.000Z'); // file name
    expect(byFile('2026-10-27-feed-validators.md').excerptText).toMatch(/^This post has no date key/); // first paragraph
    expect(byFile('2026-11-02-weekly-digest-hajimemasu.md').excerptText).not.toMatch(/メールには/); // <!--more-->
    const welcome = byFile('2026-10-12-welcome-to-tayori.md');
    expect(welcome.html).toContain('href="https://tayori.example.com/feeds/"');
    expect(welcome.html).toContain('src="https://tayori.example.com/2026/10/13/welcome-to-tayori/images/pipeline.png"');
    expect(welcome.html).toContain('src="https://tayori.example.com/2026/10/13/welcome-to-tayori/images/pipeline-small.png"');
    expect(welcome.html).toContain('href="mailto:editors@tayori.example.com"');
    expect(byFile('2026-11-05-emoji-and-symbols.md').title).toBe('🎉 Feeds & <tags>: what breaks a reader');
    expect(byFile('2026-11-09-release-0-1.md').html).toContain('<p>---END---</p>');
    expect(byFile('2026-11-12-importing-subscribers.md').updated.toISOString()).toBe('2026-11-14T10:30:00.000Z');
    expect(byFile('2026-11-12-importing-subscribers.md').categories).toEqual(['Guides', 'Engineering']);
    const lastByte = readFileSync(path.join(postsDir, '2026-11-16-weekly-wrapup.md')).at(-1);
    expect(lastByte).not.toBe(0x0a);
    expect(byFile('2026-11-16-weekly-wrapup.md').html).toMatch(/変わりません。<\/p>\n$/);
  });
});
