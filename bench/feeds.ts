/**
 * Feed writer benchmark: planFeeds + renderFeeds alone (no file reading, no Markdown), on
 * synthetic posts, so the figure is the writers' own cost.
 *
 *   npx tsx bench/feeds.ts [N ...]        (default: 1000 10000)
 *
 * Prints a Markdown table: posts, feeds planned, items written, bytes, median ms of 5 runs.
 */
import { planFeeds, renderFeeds } from '../src/feeds/index.js';
import type { FullPost } from '../src/content/post.js';
import { makePost, testConfig } from '../test/feeds/fixtures.js';

function syntheticPosts(n: number): FullPost[] {
  const categories = ['技術', '日記', 'Announcements', 'お知らせ', 'Guides'];
  const tags = Array.from({ length: 60 }, (_, i) => (i % 2 ? `tag-${i}` : `タグ${i}`));
  const body = '<p>本文 &amp; <a href="https://tayori.example.com/x/">link</a> ]]&gt; 🎉</p>\n'.repeat(40);
  return Array.from({ length: n }, (_, i) =>
    makePost({
      file: `2026-01-01-post-${i}.md`,
      title: `記事 ${i} & <その${i}> 「括弧`,
      date: new Date(Date.UTC(2020, 0, 1) + i * 3_600_000).toISOString(),
      categories: [categories[i % categories.length]!],
      tags: [tags[i % tags.length]!, tags[(i * 7) % tags.length]!],
      html: body,
    }),
  );
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

const sizes = process.argv.slice(2).map(Number).filter((n) => n > 0);
const config = testConfig({ site: { timezone: 'Asia/Tokyo' } });
console.log('| posts | feeds | items written | output MB | median ms (5 runs) |');
console.log('|---:|---:|---:|---:|---:|');
for (const n of sizes.length ? sizes : [1000, 10000]) {
  const posts = syntheticPosts(n);
  const byId = new Map(posts.map((p) => [p.id, p]));
  const times: number[] = [];
  let feeds = 0;
  let items = 0;
  let bytes = 0;
  // One warm-up run (JIT), then five timed ones.
  for (let run = -1; run < 5; run++) {
    const started = performance.now();
    const specs = planFeeds(config, posts);
    const files = specs.flatMap((spec) => renderFeeds(config, spec, spec.posts.map((p) => byId.get(p.id)!)));
    if (run >= 0) times.push(performance.now() - started);
    feeds = specs.length;
    items = specs.reduce((sum, spec) => sum + spec.posts.length, 0) * 3;
    bytes = files.reduce((sum, f) => sum + Buffer.byteLength(f.contents), 0);
  }
  console.log(`| ${n} | ${feeds} | ${items} | ${(bytes / 1e6).toFixed(1)} | ${median(times).toFixed(0)} |`);
}
