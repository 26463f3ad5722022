/**
 * Where a post page's time goes (issue 6), and the fastest build that makes possible on this
 * machine, against Hugo's full build of the same corpus timed in the same run.
 *
 *   npx tsx bench/pages.ts [N]      (default 10000; needs Debian `hugo`)
 *
 * One thread renders and writes every page the way a cold build does, a stage at a time, and
 * sums each stage's time over the pages (garbage collection counts where it falls):
 *   front matter  readPostHead: open, read the head, gray-matter + js-yaml, the schema, dates, URL
 *   read body     readBody: open, read, decode
 *   Markdown      renderPostContent: marked (body and excerpt), links made absolute
 *   template      renderPostPage: LiquidJS, post.html.liquid inside layout.liquid
 *   encode + hash the page's UTF-8 bytes and their SHA-256 (the build cache's record)
 *   write         the page's folder, then a temporary file renamed into place
 * Apart from the sum: the reading time that renderPostContent adds for a post without
 * `reading_time` in its front matter (the corpus, like the seeds, always has one; most Jekyll
 * posts don't).
 * The sum divided by the cores is a floor: a build over N posts can't be faster than that,
 * even with every core busy all the time and nothing else to do (no start-up, no threads to
 * feed, no feeds, no build cache). The build's own time is in bench/build.ts.
 *
 * Rounds take turns with Hugo's full build (bench/hugo.ts), so a change in the machine's speed
 * hits both; medians of 3. Prints a Markdown table and writes it to bench/results/pages.md.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { contentHash, utf8Bytes, writeAtomic } from '../src/build/write.js';
import { parseConfig } from '../src/config/load.js';
import { renderPostContent } from '../src/content/body.js';
import { listPostFiles } from '../src/content/files.js';
import { readBody, readPostHead } from '../src/content/load.js';
import { readingMinutesOfHtml } from '../src/content/text.js';
import { PageContext, pageFileFor, renderPostPage } from '../src/pages/render.js';
import { ensureCorpus } from './corpus.js';
import { hugoSite } from './hugo.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const work = path.join(root, 'bench/.work');
const n = Number(process.argv[2]) || 10000;
const ROUNDS = 3;
const STAGES = ['front matter', 'read body', 'Markdown', 'template', 'encode + hash', 'write'] as const;
/** Timed like a stage, not part of the sum (see above). */
const READING_TIME = 'reading time, without `reading_time`';
type Stage = (typeof STAGES)[number] | typeof READING_TIME;
const TIMED: Stage[] = [...STAGES, READING_TIME];
/** What issue 6 requires and what a build can't do without: marked, gray-matter, writing the pages. */
const REQUIRED: Stage[] = ['front matter', 'Markdown', 'write'];

// The site of bench/build.ts's runs.
const config = parseConfig({
  site: { title: 'ベンチ', url: 'https://bench.example.com/', language: 'ja', author: 'ベンチ編集部', timezone: 'Asia/Tokyo', pages: true },
  feeds: { items: 20, perCategory: false, perTag: false },
});

const corpus = path.join(work, `corpus-${n}`);
ensureCorpus(corpus, n);
const hugoFull = path.join(work, `hugo-full-${n}`);
hugoSite(hugoFull, corpus, false);
const runs = path.join(work, `pages-runs-${process.pid}`);

/** Seconds per stage for one pass over every post, writing into `outDir`. */
function stagePass(outDir: string): Record<Stage, number> {
  const spent = Object.fromEntries(TIMED.map((s) => [s, 0])) as Record<Stage, number>;
  const timed = <T>(stage: Stage, run: () => T): T => {
    const start = performance.now();
    const result = run();
    spent[stage] += performance.now() - start;
    return result;
  };
  const pages = new PageContext(config, path.join(root, 'templates'));
  for (const file of listPostFiles(corpus)) {
    const entry = timed('front matter', () => readPostHead(file, config));
    if (!entry.ok) throw new Error(`${file.file}: ${entry.problem.message}`);
    const body = timed('read body', () => readBody(entry.post));
    const full = { ...entry.post, ...timed('Markdown', () => renderPostContent(entry.post, body, config)) };
    timed(READING_TIME, () => readingMinutesOfHtml(full.html));
    const pageFile = pageFileFor(full);
    const html = timed('template', () => renderPostPage(pages, full, pageFile));
    const bytes = timed('encode + hash', () => {
      const encoded = utf8Bytes(html);
      contentHash(encoded);
      return encoded;
    });
    timed('write', () => {
      const target = path.join(outDir, pageFile);
      mkdirSync(path.dirname(target), { recursive: true });
      writeAtomic(target, bytes, { durable: false });
    });
  }
  return Object.fromEntries(Object.entries(spent).map(([s, ms]) => [s, ms / 1000])) as Record<Stage, number>;
}

function hugoSeconds(destination: string): number {
  const start = performance.now();
  const result = spawnSync('hugo', ['--quiet', '--source', hugoFull, '--destination', destination], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`hugo failed:\n${result.stderr}`);
  return (performance.now() - start) / 1000;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const passes: Record<Stage, number>[] = [];
const hugo: number[] = [];
try {
  for (let round = 0; round < ROUNDS; round++) {
    hugo.push(hugoSeconds(path.join(runs, `hugo-${round}`)));
    passes.push(stagePass(path.join(runs, `tayori-${round}`)));
  }
} finally {
  rmSync(runs, { recursive: true, force: true });
}

const cores = availableParallelism();
const stage = Object.fromEntries(TIMED.map((s) => [s, median(passes.map((p) => p[s]))])) as Record<Stage, number>;
const total = STAGES.reduce((sum, s) => sum + stage[s], 0);
const required = REQUIRED.reduce((sum, s) => sum + stage[s], 0);
const hugoFullSeconds = median(hugo);
const ms = (seconds: number): string => ((seconds * 1000) / n).toFixed(3);
const pct = (seconds: number): string => `${((seconds / hugoFullSeconds) * 100).toFixed(0)} %`;

const lines = [
  `${n.toLocaleString('en')} posts, ${cores} cores, Node ${process.version}; medians of ${ROUNDS} rounds, turn about with Hugo.`,
  '',
  '| stage | ms per page | seconds, all pages, one thread |',
  '|---|---:|---:|',
  ...STAGES.map((s) => `| ${s} | ${ms(stage[s])} | ${stage[s].toFixed(2)} |`),
  `| **all stages** | ${ms(total)} | ${total.toFixed(2)} |`,
  `| (apart) ${READING_TIME} | ${ms(stage[READING_TIME])} | ${stage[READING_TIME].toFixed(2)} |`,
  '',
  '| | seconds | vs Hugo |',
  '|---|---:|---:|',
  `| Hugo full build (page per post + RSS) | ${hugoFullSeconds.toFixed(2)} | |`,
  `| issue 6's target: ⅓ of Hugo's full build | ${(hugoFullSeconds / 3).toFixed(2)} | 33 % |`,
  `| floor: all stages on ${cores} cores | ${(total / cores).toFixed(2)} | ${pct(total / cores)} |`,
  `| floor: ${REQUIRED.join(', ')} only, on ${cores} cores | ${(required / cores).toFixed(2)} | ${pct(required / cores)} |`,
  '',
];
console.log(lines.join('\n'));
mkdirSync(path.join(root, 'bench/results'), { recursive: true });
writeFileSync(path.join(root, 'bench/results/pages.md'), `${lines.join('\n')}\n`);
