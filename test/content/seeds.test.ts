/**
 * Every real-world post in ../shared/seeds must load. Expected values are read from each file's
 * raw lines with simple regular expressions (an independent reading), so no seed text is copied
 * into the project.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { listPostFiles } from '../../src/content/files.js';
import { loadFull, loadPosts } from '../../src/content/load.js';
import { htmlToText } from '../../src/content/text.js';
import { seedsDir } from '../helpers/paths.js';
import { testConfig } from './support.js';

const config = testConfig({ timezone: 'Asia/Tokyo' });
const now = new Date('2026-11-23T00:00:00Z');

function rawField(text: string, key: string): string {
  const m = new RegExp(`^${key}: (.*)$`, 'm').exec(text);
  if (!m) throw new Error(`no ${key} line`);
  return m[1]!.trim();
}
const unquote = (s: string) => JSON.parse(s) as string;

describe.runIf(existsSync(seedsDir))('real-world seed posts', () => {
  const names = existsSync(seedsDir) ? readdirSync(seedsDir).sort() : [];

  it('lists and loads every seed file with no problems', () => {
    expect(listPostFiles(seedsDir).map((f) => f.file)).toEqual(names);
    const sel = loadPosts(seedsDir, config, now);
    expect(sel.problems).toEqual([]);
    expect(sel.posts).toHaveLength(names.length);
  });

  for (const name of names) {
    it(`${name}: date, title, categories, tags, excerpt, reading time, body`, () => {
      const raw = readFileSync(path.join(seedsDir, name), 'utf8');
      const post = loadPosts(seedsDir, config, now).posts.find((p) => p.file === name)!;
      expect(post).toBeDefined();
      const full = loadFull(post, config);

      // `2025-12-17 20:38:36 +0000` read independently as an ISO instant.
      const rawDate = rawField(raw, 'date');
      const m = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2}) ([+-]\d{2})(\d{2})$/.exec(rawDate)!;
      expect(m).not.toBeNull();
      expect(post.date.toISOString()).toBe(new Date(`${m[1]}T${m[2]}${m[3]}:${m[4]}`).toISOString());

      const title = unquote(rawField(raw, 'title'));
      expect(post.title).toBe(title);
      if (title.includes('「') && !title.includes('」')) expect(post.title.startsWith('「')).toBe(true);
      expect(post.categories).toEqual(JSON.parse(rawField(raw, 'categories')));
      expect(post.tags).toEqual(JSON.parse(rawField(raw, 'tags')));
      expect(post.author.name).toBe(unquote(rawField(raw, 'author')));
      expect(full.readingTime).toBe(Number(rawField(raw, 'reading_time')));

      // The excerpt is rendered from Markdown: no ** left, and bold became <strong>.
      const excerpt = unquote(rawField(raw, 'excerpt'));
      expect(full.excerptText).not.toContain('**');
      expect(full.excerptHtml).not.toContain('**');
      expect(full.excerptHtml.includes('<strong>')).toBe(excerpt.includes('**'));
      expect(full.excerptText).toBe(excerpt.replace(/\*\*/g, '').replace(/\s+/g, ' ').trim());

      // Bodies that contain ---END--- keep each one as text and everything after it.
      const endLines = raw.split(/\r?\n/).filter((l) => l.trim() === '---END---').length;
      expect(full.html.split('<p>---END---</p>').length - 1).toBe(endLines);
      const bodyText = htmlToText(full.html);
      const lastLine = raw.trimEnd().split('\n').filter((l) => l.trim() && l.trim() !== '---END---').pop()!.trim();
      expect(bodyText).toContain(lastLine.slice(-20));
      expect(bodyText).not.toContain('reading_time');
      expect(post.url).toMatch(/^https:\/\/example\.com\/\d{4}\/\d{2}\/\d{2}\/[\x21-\x7e]+\/$/);
    });
  }
});
