import { cpSync, existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { feedRead, jsonFeedCheck, w3cValidate } from '../helpers/checkers.js';
import { projectRoot, seedsDir, tempDir } from '../helpers/paths.js';

/**
 * Every feed that `tayori build` writes from real posts (the sample posts in posts/ and, when
 * it is there, the real-world corpus in ../shared/seeds) goes through the independent checkers:
 * the W3C Feed Validation Service's own code and feedparser for every RSS and Atom file, the
 * JSON Feed 1.1 checker for every JSON Feed. Then what a reader sees is checked field by field.
 */
interface ReaderEntry {
  id: string;
  title: string;
  link: string;
  published: string | null;
  updated: string | null;
  author: string | null;
  tags: string[];
  content_length: number;
  summary_length: number;
}
interface ReaderFeed {
  bozo: boolean;
  feed: { title: string; updated: string | null };
  entries: ReaderEntry[];
}

const SITE_URL = 'https://news.example.jp/';
const cleanups: (() => void)[] = [];
afterAll(() => cleanups.forEach((c) => c()));

function buildCorpus(postsDir: string, now: string): string {
  const { dir, cleanup } = tempDir('tayori-checkers-');
  cleanups.push(cleanup);
  cpSync(postsDir, path.join(dir, 'posts'), { recursive: true });
  writeFileSync(
    path.join(dir, 'tayori.yaml'),
    [
      'site:',
      '  title: "便りのテスト & <Checks>"',
      `  url: "${SITE_URL}"`,
      '  language: ja',
      '  author: "編集部"',
      '  timezone: Asia/Tokyo',
      '  pages: false',
      'paths:',
      `  templates: ${JSON.stringify(path.join(projectRoot, 'templates'))}`,
      '',
    ].join('\n'),
  );
  const result = runCli(['build', '--config', 'tayori.yaml', '--now', now, '--strict'], { cwd: dir });
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  return path.join(dir, 'public');
}

function feedFiles(out: string, name: string): string[] {
  return (readdirSync(out, { recursive: true }) as string[]).filter((f) => path.basename(f) === name).sort();
}

function checkEveryFeed(out: string): Map<string, ReaderFeed> {
  const xmlFiles = [...feedFiles(out, 'feed.xml'), ...feedFiles(out, 'atom.xml')];
  expect(xmlFiles.length).toBeGreaterThanOrEqual(2);
  const seen = new Map<string, ReaderFeed>();
  for (const file of xmlFiles) {
    const absolute = path.join(out, file);
    const w3c = w3cValidate(absolute, SITE_URL + file);
    expect(w3c.ok, `${file}\n${w3c.output}`).toBe(true);
    expect(w3c.output).toMatch(/errors=0/);
    const { result, parsed } = feedRead(absolute);
    expect(result.ok, `${file}\n${result.output}`).toBe(true);
    seen.set(file, parsed as ReaderFeed);
  }
  const json = feedFiles(out, 'feed.json').map((f) => path.join(out, f));
  const check = jsonFeedCheck(...json);
  expect(check.ok, check.output).toBe(true);
  return seen;
}

function expectReaderFields(feeds: Map<string, ReaderFeed>): void {
  for (const feed of feeds.values()) {
    expect(feed.bozo).toBe(false);
    expect(feed.feed.title).toContain('便りのテスト & <Checks>');
    expect(feed.entries.length).toBeGreaterThan(0);
    for (const entry of feed.entries) {
      expect(entry.id).toMatch(/^tag:news\.example\.jp,\d{4}-\d{2}-\d{2}:/);
      expect(entry.title.trim()).not.toBe('');
      expect(entry.link.startsWith(SITE_URL)).toBe(true);
      expect(entry.link).not.toMatch(/[^\x21-\x7e]/); // non-ASCII is percent-encoded
      expect(entry.published ?? entry.updated).toMatch(/Z$/);
      expect(entry.author).toBeTruthy();
      expect(entry.content_length).toBeGreaterThan(0);
    }
    const ids = feed.entries.map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);
  }
}

describe('checkers on what tayori build writes', () => {
  it('the sample posts: every RSS, Atom and JSON feed passes, and readers see the right fields', () => {
    const out = buildCorpus(path.join(projectRoot, 'posts'), '2026-11-23T12:00:00+09:00');
    const feeds = checkEveryFeed(out);
    expectReaderFields(feeds);
    const main = feeds.get('feed.xml')!;
    const titles = main.entries.map((e) => e.title);
    expect(titles.some((t) => t.startsWith('「'))).toBe(true); // the unbalanced 「 survives
    expect(titles.some((t) => /\p{Extended_Pictographic}/u.test(t))).toBe(true); // emoji
    expect(titles.some((t) => t.includes('&') || t.includes('<'))).toBe(true);
    // Newest first.
    const dates = main.entries.map((e) => Date.parse(e.published!));
    expect([...dates].sort((a, b) => b - a)).toEqual(dates);
  });

  describe.runIf(existsSync(seedsDir))('the real-world seeds in ../shared/seeds', () => {
    it('every feed passes; the seed titles, dates and categories reach readers intact', () => {
      const out = buildCorpus(seedsDir, '2026-11-23T00:00:00Z');
      const feeds = checkEveryFeed(out);
      expectReaderFields(feeds);
      const main = feeds.get('atom.xml')!;
      // Read from the seeds' own lines at test time (their text is not copied into the project).
      const seeds = readdirSync(seedsDir).map((f) => {
        const lines = readFileSync(path.join(seedsDir, f), 'utf8').split('\n');
        const value = (key: string) => lines.find((l) => l.startsWith(`${key}:`))!.slice(key.length + 1).trim();
        const [day, time] = value('date').split(' ');
        return {
          title: JSON.parse(value('title')) as string,
          date: `${day}T${time}Z`, // every seed is dated +0000
          categories: JSON.parse(value('categories')) as string[],
        };
      });
      expect(main.entries.map((e) => e.title).sort()).toEqual(seeds.map((seed) => seed.title).sort());
      for (const seed of seeds) {
        const entry = main.entries.find((e) => e.title === seed.title)!;
        expect(entry.published ?? entry.updated).toBe(seed.date);
        for (const category of seed.categories) expect(entry.tags).toContain(category);
      }
    });
  });
});
