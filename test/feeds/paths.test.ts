import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { projectRoot, tempDir } from '../helpers/paths.js';
import { feedDir, planFeeds, stylesheetFile, stylesheetFiles, termSlug } from '../../src/feeds/index.js';
import { makePost, testConfig } from './fixtures.js';

/** Inverse of termSlug's short form, to prove it loses nothing. */
function decode(slug: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < slug.length; ) {
    if (slug.startsWith('__', i)) {
      bytes.push(slug.charCodeAt(i + 2) - 32);
      i += 3;
    } else if (slug[i] === '_') {
      bytes.push(parseInt(slug.slice(i + 1, i + 3), 16));
      i += 3;
    } else {
      bytes.push(slug.charCodeAt(i));
      i += 1;
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

describe('termSlug', () => {
  const terms = [
    'rust', 'Rust', 'RUST', 'node-js', 'Node.js', 'node.js', 'node_js', '日本語', '日本', 'にほんご', 'C++', 'C#',
    'a b', 'a-b', 'a/b', '../etc', '.hidden', '_e6', '日', '🎉', '「括弧', 'Tech Notes', '%E6%97%A5', 'e9', '__a', 'A', '_a', 'Ａ',
  ];

  it('keeps lower-case ASCII slugs, marks capitals with __ and encodes everything else as _hh bytes', () => {
    expect(termSlug('rust')).toBe('rust');
    expect(termSlug('node-js')).toBe('node-js');
    expect(termSlug('Rust')).toBe('__rust');
    expect(termSlug('TypeScript')).toBe('__type__script');
    expect(termSlug('Node.js')).toBe('__node_2ejs');
    expect(termSlug('日本語')).toBe('_e6_97_a5_e6_9c_ac_e8_aa_9e');
    expect(termSlug('../etc')).toBe('_2e_2e_2fetc');
  });

  it('is URL-safe, file-name-safe and one-to-one, also on case-insensitive file systems', () => {
    const slugs = terms.map(termSlug);
    for (const slug of slugs) {
      expect(slug).toMatch(/^[a-z0-9_-]+$/);
      expect(encodeURIComponent(slug)).toBe(slug);
    }
    expect(new Set(slugs.map((s) => s.toLowerCase())).size).toBe(terms.length);
    for (const term of terms) expect(decode(termSlug(term))).toBe(term);
  });

  it('shortens very long terms with a hash, keeping them apart', () => {
    const long = '長いタグ'.repeat(30);
    const longer = `${long}x`;
    const a = termSlug(long);
    const b = termSlug(longer);
    expect(a.length).toBeLessThanOrEqual(120);
    expect(b.length).toBeLessThanOrEqual(120);
    expect(a).not.toBe(b);
    expect(a).toMatch(/^(_[0-9a-f]{2})+_h[0-9a-f]{16}$/);
    // The readable start holds whole characters (3 bytes each here) only.
    expect(a.replace(/_h[0-9a-f]{16}$/, '').length % 9).toBe(0);
    expect(termSlug(long)).toBe(a);
  });

  it('puts category and tag feeds in separate folders', () => {
    expect(feedDir('main')).toBe('');
    expect(feedDir('category', '技術')).toBe('categories/_e6_8a_80_e8_a1_93');
    expect(feedDir('tag', '技術')).toBe('tags/_e6_8a_80_e8_a1_93');
  });
});

describe('planFeeds', () => {
  it('plans one feed per distinct category and tag, skipping blank terms, in a stable order', () => {
    const posts = [
      makePost({ file: 'b.md', title: 'B', date: '2026-01-02T00:00:00Z', categories: ['日記', ' '], tags: ['x', 'x', 'Y'] }),
      makePost({ file: 'a.md', title: 'A', date: '2026-01-01T00:00:00Z', categories: ['日記'], tags: ['x'] }),
    ];
    const specs = planFeeds(testConfig(), posts);
    expect(specs.map((s) => [s.kind, s.term, s.dir, s.posts.length])).toEqual([
      ['main', undefined, '', 2],
      ['category', '日記', 'categories/_e6_97_a5_e8_a8_98', 2],
      ['tag', 'Y', 'tags/__y', 1],
      ['tag', 'x', 'tags/x', 2],
    ]);
    expect(planFeeds(testConfig({ feeds: { perCategory: false, perTag: false } }), posts)).toHaveLength(1);
  });

  it('orders posts published at the same instant by id, so ties never reorder between builds', () => {
    const same = '2026-01-01T00:00:00Z';
    const posts = [makePost({ file: 'b.md', title: 'B', date: same }), makePost({ file: 'a.md', title: 'A', date: same })];
    expect(planFeeds(testConfig(), posts)[0]!.posts.map((p) => p.file)).toEqual(['a.md', 'b.md']);
    expect(planFeeds(testConfig(), [...posts].reverse())[0]!.posts.map((p) => p.file)).toEqual(['a.md', 'b.md']);
  });
});

describe('stylesheetFile', () => {
  const temp = tempDir('tayori-xsl-');
  afterAll(() => temp.cleanup());
  const shipped = readFileSync(path.join(projectRoot, 'templates/feed.xsl'), 'utf8');

  it("uses the site's own templates/feed.xsl when it has one", () => {
    const dir = path.join(temp.dir, 'own');
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'feed.xsl'), '<xsl:stylesheet/>');
    expect(stylesheetFile(testConfig(), dir)).toEqual({ path: 'feed.xsl', contents: '<xsl:stylesheet/>' });
  });

  it("falls back to tayori's shipped stylesheet", () => {
    expect(stylesheetFile(testConfig(), path.join(temp.dir, 'missing'))).toEqual({ path: 'feed.xsl', contents: shipped });
    expect(shipped).toContain('<xsl:stylesheet');
  });

  it('adds feed.css, the look for browsers without XSLT, from the same places', () => {
    const css = readFileSync(path.join(projectRoot, 'templates/feed.css'), 'utf8');
    expect(stylesheetFiles(testConfig(), path.join(temp.dir, 'own'))).toEqual([
      { path: 'feed.xsl', contents: '<xsl:stylesheet/>' },
      { path: 'feed.css', contents: css },
    ]);
  });
});
