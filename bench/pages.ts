/**
 * Page rendering benchmark (issue 6): how long renderPages takes for N posts, apart from
 * reading and rendering the Markdown (which the build does anyway for feeds).
 *
 *   npx tsx bench/pages.ts [N ...]      (default: 1000 10000)
 *
 * Prints, per N: time to load every body (loadFull), time to render every page with the
 * LiquidJS templates (renderPages), bytes of HTML, and pages per second. Median of 3 runs.
 */
import { rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseConfig } from '../src/config/load.js';
import { loadFull, loadPosts } from '../src/content/load.js';
import { renderPages } from '../src/pages/render.js';
import { generateCorpus } from './corpus.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const work = path.join(root, 'bench/.work/pages');
const counts = process.argv.slice(2).map(Number).filter((n) => n > 0);
const config = parseConfig({
  site: { title: 'ベンチ', url: 'https://bench.example.com/', language: 'ja', author: 'ベンチ', timezone: 'Asia/Tokyo' },
});
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

console.log('| posts | load bodies (s) | render pages (s) | pages/s | HTML MB |');
console.log('|---:|---:|---:|---:|---:|');
for (const n of counts.length ? counts : [1000, 10000]) {
  const dir = path.join(work, String(n));
  rmSync(dir, { recursive: true, force: true });
  generateCorpus(dir, n);
  const { posts } = loadPosts(dir, config, new Date('2030-01-01T00:00:00Z'));
  let t = performance.now();
  const full = posts.map((p) => loadFull(p, config));
  const loadSeconds = (performance.now() - t) / 1000;
  const renders: number[] = [];
  let bytes = 0;
  for (let run = 0; run < 3; run++) {
    t = performance.now();
    const files = renderPages(config, full, path.join(root, 'templates'));
    renders.push((performance.now() - t) / 1000);
    bytes = files.reduce((sum, f) => sum + Buffer.byteLength(f.contents), 0);
  }
  const render = median(renders);
  console.log(`| ${posts.length} | ${loadSeconds.toFixed(2)} | ${render.toFixed(2)} | ${Math.round(posts.length / render)} | ${(bytes / 1e6).toFixed(1)} |`);
  rmSync(dir, { recursive: true, force: true });
}
