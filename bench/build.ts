/**
 * Build benchmark (issue 3 and 6): tayori against Hugo and a naive baseline, on one generated
 * corpus, in one run, so the ratios hold on a noisy shared machine.
 *
 *   npx tsx bench/build.ts [N ...]        (default: 1000 10000; needs Debian `hugo`)
 *
 * For each N it times, as whole processes (median of several runs, peak RSS from GNU time):
 *   - tayori cold feed build (pages off), and a rebuild with no change;
 *   - tayori cold build with post pages (site.pages: true), on its default threads (one per
 *     core) and on the main thread alone (--threads 1); and once more over the same posts
 *     without `excerpt` and `reading_time` (corpus.ts `plain`), as most Jekyll posts come;
 *   - Hugo's RSS-only build, and Hugo's full build (a page per post plus RSS);
 *   - the naive baseline (bench/naive-baseline.mjs).
 * Prints a Markdown table; the figures go into BENCHMARKS.md.
 *
 * The kinds of run take turns (one run of each, then the next round), so that a change in the
 * machine's load hits them alike. A cold run writes into a folder no run has used: removing a
 * 400 MB output tree on this machine's disk slows whatever writes next, by up to 2× for a
 * minute, so old outputs are only moved aside, and removed once every run is done.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureCorpus } from './corpus.js';
import { hugoSite } from './hugo.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const work = path.join(root, 'bench/.work');
const NOW = '2026-11-23T00:00:00Z';

interface Timing {
  seconds: number;
  maxRssMb: number;
}

/** Runs a command under GNU time; returns wall seconds and peak resident memory. */
function timed(cmd: string, args: string[], cwd = root): Timing {
  const result = spawnSync('/usr/bin/time', ['-f', '%e %M', cmd, ...args], { cwd, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed:\n${result.stderr}`);
  const last = result.stderr.trim().split('\n').pop()!;
  const [seconds, kb] = last.split(' ').map(Number);
  return { seconds: seconds!, maxRssMb: kb! / 1024 };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** `runs` rounds of every kind in turn; run(round) does one timed run. Median time, highest peak memory. */
function measureTogether<K extends string>(runs: number, kinds: Record<K, (round: number) => Timing>): Record<K, Timing> {
  const timings = Object.fromEntries(Object.keys(kinds).map((k) => [k, [] as Timing[]])) as Record<K, Timing[]>;
  for (let round = 0; round < runs; round++) {
    for (const kind of Object.keys(kinds) as K[]) timings[kind].push(kinds[kind](round));
  }
  const summary = (list: Timing[]): Timing => ({ seconds: median(list.map((t) => t.seconds)), maxRssMb: Math.max(...list.map((t) => t.maxRssMb)) });
  return Object.fromEntries(Object.entries(timings).map(([k, list]) => [k, summary(list as Timing[])])) as Record<K, Timing>;
}

function tayoriConfig(file: string, postsDir: string, outDir: string, cacheDir: string, pages: boolean): void {
  writeFileSync(
    file,
    [
      'site:',
      '  title: "ベンチ"',
      '  url: "https://bench.example.com/"',
      '  language: ja',
      '  author: "ベンチ編集部"',
      '  timezone: Asia/Tokyo',
      `  pages: ${pages}`,
      'paths:',
      `  posts: ${JSON.stringify(postsDir)}`,
      `  output: ${JSON.stringify(outDir)}`,
      `  cache: ${JSON.stringify(cacheDir)}`,
      `  templates: ${JSON.stringify(path.join(root, 'templates'))}`,
      'feeds:',
      '  items: 20',
      '  perCategory: false',
      '  perTag: false',
      '',
    ].join('\n'),
  );
}

function row(name: string, t: Timing, reference?: Timing): string {
  const ratio = reference ? `${((t.seconds / reference.seconds) * 100).toFixed(0)} %` : '';
  return `| ${name} | ${t.seconds.toFixed(3)} | ${ratio} | ${t.maxRssMb.toFixed(0)} |`;
}

const sizes = process.argv.slice(2).map(Number).filter(Boolean);
const bin = path.join(root, 'bin/tayori.js');
// Every run's output goes below here; a previous benchmark's folder is moved aside, not removed now.
const runsDir = path.join(work, 'runs');
const trash = path.join(work, `runs-old-${process.pid}`);
if (existsSync(runsDir)) renameSync(runsDir, trash);
const lines: string[] = [];
const cpus = execFileSync('nproc', { encoding: 'utf8' }).trim();
lines.push(`Machine: ${cpus} cores, Node ${process.version}, ${execFileSync('hugo', ['version'], { encoding: 'utf8' }).split(' ')[1]}.`);
for (const n of sizes.length ? sizes : [1000, 10000]) {
  const runs = n >= 10000 ? 3 : 5;
  const corpus = path.join(work, `corpus-${n}`);
  const { bytes } = ensureCorpus(corpus, n);
  // For building by hand (see BENCHMARKS.md); the timed runs below use fresh folders.
  tayoriConfig(path.join(work, `feeds-${n}.yaml`), corpus, path.join(work, `out-${n}`), path.join(work, `cache-${n}`), false);
  tayoriConfig(path.join(work, `pages-${n}.yaml`), corpus, path.join(work, `out-${n}`), path.join(work, `cache-${n}`), true);

  // The same posts as most Jekyll posts are written, without excerpt and reading_time.
  const plainCorpus = path.join(work, `corpus-plain-${n}`);
  ensureCorpus(plainCorpus, n, { plain: true });

  /** A tayori build into fresh output and cache folders (`name` and round tell them apart). */
  const tayoriCold = (name: string, pages: boolean, flags: string[] = [], postsDir = corpus) => (round: number): Timing => {
    const dir = path.join(runsDir, `${n}-${name}-${round}`);
    mkdirSync(dir, { recursive: true });
    tayoriConfig(path.join(dir, 'tayori.yaml'), postsDir, path.join(dir, 'out'), path.join(dir, 'cache'), pages);
    return timed(process.execPath, [bin, 'build', '--config', path.join(dir, 'tayori.yaml'), '--now', NOW, ...flags]);
  };
  /** The same build again, over the output and cache that the cold feed build of this round left. */
  const tayoriWarm = (round: number): Timing =>
    timed(process.execPath, [bin, 'build', '--config', path.join(runsDir, `${n}-feeds-${round}`, 'tayori.yaml'), '--now', NOW]);

  const hugoRssSite = path.join(work, `hugo-rss-${n}`);
  const hugoFullSite = path.join(work, `hugo-full-${n}`);
  hugoSite(hugoRssSite, corpus, true);
  hugoSite(hugoFullSite, corpus, false);
  const hugo = (site: string, name: string) => (round: number): Timing =>
    timed('hugo', ['--quiet', '--source', site, '--destination', path.join(runsDir, `${n}-${name}-${round}`)]);
  const naive = (): Timing => timed(process.execPath, [path.join(root, 'bench/naive-baseline.mjs'), corpus, path.join(work, `naive-${n}.xml`)]);

  const t = measureTogether(runs, {
    hugoRss: hugo(hugoRssSite, 'hugo-rss'),
    naive,
    cold: tayoriCold('feeds', false),
    warm: tayoriWarm,
    hugoFull: hugo(hugoFullSite, 'hugo-full'),
    coldPages: tayoriCold('pages', true),
    coldPagesOneThread: tayoriCold('pages-1', true, ['--threads', '1']),
    coldPagesPlain: tayoriCold('pages-plain', true, [], plainCorpus),
  });

  lines.push('');
  lines.push(`### ${n.toLocaleString('en')} posts${Number.isNaN(bytes) ? '' : ` (${(bytes / 1e6).toFixed(0)} MB)`}, median of ${runs} runs`);
  lines.push('');
  lines.push('| run | seconds | vs Hugo (same kind) | peak RSS MB |');
  lines.push('|---|---|---|---|');
  lines.push(row('Hugo RSS-only build', t.hugoRss));
  lines.push(row('naive baseline (gray-matter + marked on every post, feed of 20)', t.naive, t.hugoRss));
  lines.push(row('**tayori cold feed build** (pages off)', t.cold, t.hugoRss));
  lines.push(row('**tayori rebuild, no change**', t.warm));
  lines.push(row('Hugo full build (page per post + RSS)', t.hugoFull));
  lines.push(row('**tayori cold build with post pages**', t.coldPages, t.hugoFull));
  lines.push(row('tayori cold build with post pages, main thread only (`--threads 1`)', t.coldPagesOneThread, t.hugoFull));
  lines.push(row('tayori cold build with post pages, the posts without `excerpt` and `reading_time`', t.coldPagesPlain, t.hugoFull));
  console.log(lines.slice(-12).join('\n'));
}
mkdirSync(path.join(root, 'bench/results'), { recursive: true });
writeFileSync(path.join(root, 'bench/results/build.md'), `${lines.join('\n')}\n`);
// Only now: removing the outputs slows the disk for a while (see the top of this file).
rmSync(runsDir, { recursive: true, force: true });
rmSync(trash, { recursive: true, force: true });
