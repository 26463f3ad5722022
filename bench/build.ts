/**
 * Build benchmark (issue 3 and 6): tayori against Hugo and a naive baseline, on one generated
 * corpus, in one run, so the ratios hold on a noisy shared machine.
 *
 *   npx tsx bench/build.ts [N ...]        (default: 1000 10000; needs Debian `hugo`)
 *
 * For each N it times, as whole processes (median of several runs, peak RSS from GNU time):
 *   - tayori cold feed build (pages off), and a rebuild with no change;
 *   - tayori cold build with post pages (site.pages: true);
 *   - Hugo's RSS-only build, and Hugo's full build (a page per post plus RSS);
 *   - the naive baseline (bench/naive-baseline.mjs).
 * Prints a Markdown table; the figures go into BENCHMARKS.md.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateCorpus } from './corpus.js';

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

function measure(runs: number, prepare: () => void, run: () => Timing): Timing {
  const timings: Timing[] = [];
  for (let i = 0; i < runs; i++) {
    prepare();
    timings.push(run());
  }
  return { seconds: median(timings.map((t) => t.seconds)), maxRssMb: Math.max(...timings.map((t) => t.maxRssMb)) };
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

function hugoSite(siteDir: string, corpusDir: string, rssOnly: boolean): void {
  rmSync(siteDir, { recursive: true, force: true });
  mkdirSync(path.join(siteDir, 'content'), { recursive: true });
  symlinkSync(corpusDir, path.join(siteDir, 'content/posts'));
  const config = rssOnly
    ? [
        'baseURL = "https://bench.example.com/"',
        'languageCode = "ja"',
        // Pages stay in the RSS list but are never rendered to HTML.
        'disableKinds = ["section", "taxonomy", "term", "sitemap", "robotsTXT", "404"]',
        '[outputs]',
        '  home = ["RSS"]',
        '  page = []',
        '[services.rss]',
        '  limit = 20',
        '[[cascade]]',
        '  [cascade._build]',
        '    render = "never"',
        '    list = "always"',
        '  [cascade._target]',
        '    kind = "page"',
      ]
    : [
        'baseURL = "https://bench.example.com/"',
        'languageCode = "ja"',
        'disableKinds = ["taxonomy", "term", "sitemap", "robotsTXT", "404"]',
        '[services.rss]',
        '  limit = 20',
      ];
  writeFileSync(path.join(siteDir, 'hugo.toml'), `${config.join('\n')}\n`);
  if (!rssOnly) {
    // A post page comparable to tayori's: title, date, categories, tags, the full content.
    mkdirSync(path.join(siteDir, 'layouts/_default'), { recursive: true });
    writeFileSync(
      path.join(siteDir, 'layouts/_default/single.html'),
      '<!doctype html><html lang="ja"><head><meta charset="utf-8"><title>{{ .Title }}</title></head><body><article><h1>{{ .Title }}</h1><time>{{ .Date.Format "2006-01-02" }}</time><ul>{{ range .Params.categories }}<li>{{ . }}</li>{{ end }}{{ range .Params.tags }}<li>{{ . }}</li>{{ end }}</ul>{{ .Content }}</article></body></html>\n',
    );
    writeFileSync(path.join(siteDir, 'layouts/_default/list.html'), '<!doctype html><title>{{ .Title }}</title>\n');
  }
}

function row(name: string, t: Timing, reference?: Timing): string {
  const ratio = reference ? `${((t.seconds / reference.seconds) * 100).toFixed(0)} %` : '';
  return `| ${name} | ${t.seconds.toFixed(3)} | ${ratio} | ${t.maxRssMb.toFixed(0)} |`;
}

const sizes = process.argv.slice(2).map(Number).filter(Boolean);
const bin = path.join(root, 'bin/tayori.js');
const lines: string[] = [];
const cpus = execFileSync('nproc', { encoding: 'utf8' }).trim();
lines.push(`Machine: ${cpus} cores, Node ${process.version}, ${execFileSync('hugo', ['version'], { encoding: 'utf8' }).split(' ')[1]}.`);
for (const n of sizes.length ? sizes : [1000, 10000]) {
  const runs = n >= 10000 ? 3 : 5;
  const corpus = path.join(work, `corpus-${n}`);
  const { bytes } = existsSync(path.join(corpus, `post-${String(n - 1).padStart(6, '0')}.md`))
    ? { bytes: Number.NaN }
    : generateCorpus(corpus, n);
  const out = path.join(work, `out-${n}`);
  const cache = path.join(work, `cache-${n}`);
  const feedsConfig = path.join(work, `feeds-${n}.yaml`);
  const pagesConfig = path.join(work, `pages-${n}.yaml`);
  tayoriConfig(feedsConfig, corpus, out, cache, false);
  tayoriConfig(pagesConfig, corpus, out, cache, true);
  const clean = () => {
    rmSync(out, { recursive: true, force: true });
    rmSync(cache, { recursive: true, force: true });
  };
  const tayori = (config: string) => () => timed(process.execPath, [bin, 'build', '--config', config, '--now', NOW]);

  const cold = measure(runs, clean, tayori(feedsConfig));
  const warm = measure(runs, () => undefined, tayori(feedsConfig)); // output and cache from the last cold run
  const coldPages = measure(runs, clean, tayori(pagesConfig));
  const hugoRssSite = path.join(work, `hugo-rss-${n}`);
  const hugoFullSite = path.join(work, `hugo-full-${n}`);
  hugoSite(hugoRssSite, corpus, true);
  hugoSite(hugoFullSite, corpus, false);
  const hugo = (site: string) => () => timed('hugo', ['--quiet', '--source', site, '--destination', path.join(site, 'public')]);
  const hugoClean = (site: string) => () => rmSync(path.join(site, 'public'), { recursive: true, force: true });
  const hugoRss = measure(runs, hugoClean(hugoRssSite), hugo(hugoRssSite));
  const hugoFull = measure(runs, hugoClean(hugoFullSite), hugo(hugoFullSite));
  const naive = measure(runs, () => undefined, () =>
    timed(process.execPath, [path.join(root, 'bench/naive-baseline.mjs'), corpus, path.join(work, `naive-${n}.xml`)]),
  );

  lines.push('');
  lines.push(`### ${n.toLocaleString('en')} posts${Number.isNaN(bytes) ? '' : ` (${(bytes / 1e6).toFixed(0)} MB)`}, median of ${runs} runs`);
  lines.push('');
  lines.push('| run | seconds | vs Hugo (same kind) | peak RSS MB |');
  lines.push('|---|---|---|---|');
  lines.push(row('Hugo RSS-only build', hugoRss));
  lines.push(row('naive baseline (gray-matter + marked on every post, feed of 20)', naive, hugoRss));
  lines.push(row('**tayori cold feed build** (pages off)', cold, hugoRss));
  lines.push(row('**tayori rebuild, no change**', warm));
  lines.push(row('Hugo full build (page per post + RSS)', hugoFull));
  lines.push(row('**tayori cold build with post pages**', coldPages, hugoFull));
  console.log(lines.slice(-10).join('\n'));
}
mkdirSync(path.join(root, 'bench/results'), { recursive: true });
writeFileSync(path.join(root, 'bench/results/build.md'), `${lines.join('\n')}\n`);
