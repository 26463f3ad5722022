import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../config/load.js';
import type { PostFile } from '../content/files.js';
import { loadFull, readPostHead, selectPublished } from '../content/load.js';
import { foldersAbove } from '../content/page-files.js';
import type { ParsedEntry } from '../content/parse.js';
import type { FullPost, Post } from '../content/post.js';
import { renderFeeds, stylesheetFiles, type OutputFile } from '../feeds/index.js';
import { planFeeds } from '../feeds/plan.js';
import { INDEX_POSTS, PageContext, renderPageFiles, siteFiles } from '../pages/render.js';
import type { BuildOptions, BuildReport } from './build.js';
import { BuildStopped } from './stopped.js';
import { CACHE_VERSION, readManifest, writeCache, type BuildSummary, type Manifest } from './cache.js';
import { EarlyPages } from './early-pages.js';
import { renderPageJob } from './page-job.js';
import type { PageThreads } from './page-threads.js';
import { removeOutput, writeIfChanged } from './write.js';

/** Front matter files read between two looks at the page threads' answers (about 7 ms). */
const YIELD_EVERY = 64;

/**
 * The build proper. Every post's front matter is read (cheaply: readPostHead stops at the
 * closing `---`, and the manifest keeps it while a file's size and mtime hold), but a body is
 * read and rendered only for the posts a feed shows, or for every post when pages are on.
 * Output files are written as they are rendered, atomically, and only when they changed.
 * Large sites render their post pages on `threads` (page-threads.ts, started by build.ts),
 * starting while the front matter is read (early-pages.ts); the main thread writes the feeds,
 * then renders pages too.
 */
export async function fullBuild(options: BuildOptions, files: PostFile[], fingerprint: string, threads?: PageThreads): Promise<Omit<BuildReport, 'pageThreads'>> {
  const { config, now } = options;
  // Made first, so that the manifest names the folder by its real path from the first build on.
  mkdirSync(options.outDir, { recursive: true });
  const previous = readManifest(options.cacheDir, options.outDir, config);
  // Templates parsed before anything is written: a syntax error stops the build (a ConfigError,
  // exit 2) with the output folder as it was.
  const context = config.site.pages ? new PageContext(config, options.templatesDir) : undefined;
  const manifest: Manifest = { version: CACHE_VERSION, outDir: previous.outDir, parsedWith: previous.parsedWith, files: {}, outputs: {} };
  const knownHash = (output: string): string | undefined => (options.force ? undefined : previous.outputs[output]);
  const clearWayFor = oldOutputsInTheWay(previous.outputs, options.outDir);
  const early = threads && new EarlyPages(threads, config, options.outDir, now, knownHash, clearWayFor);
  const entries: ParsedEntry[] = [];
  for (const file of files) {
    const cached = previous.files[file.file];
    const fresh = !options.force && cached && cached.mtimeMs === file.mtimeMs && cached.size === file.size;
    const entry = fresh ? cached.entry : readPostHead(file, config);
    manifest.files[file.file] = { mtimeMs: file.mtimeMs, size: file.size, entry };
    entries.push(entry);
    early?.offer(entry);
    // Lets the threads' answers in, so that they get their next pages while this loop runs.
    if (early && entries.length % YIELD_EVERY === 0) {
      await new Promise(setImmediate);
      if (options.signal?.aborted) throw new BuildStopped();
    }
  }
  // Which posts are published, and each one's page file: unusable paths are left out here.
  const selection = selectPublished(entries, now, config);

  const written: string[] = [];
  const record = (output: string, result: { written: boolean; hash: string }): void => {
    manifest.outputs[output] = result.hash;
    if (result.written) written.push(output);
  };
  const emit = (output: OutputFile): void => {
    clearWayFor(output.path);
    record(output.path, writeIfChanged(path.join(options.outDir, output.path), output.contents, knownHash(output.path)));
  };

  const full = memoizedLoader(config);
  for (const spec of planFeeds(config, selection.posts)) {
    renderFeeds(config, spec, spec.posts.map(full)).forEach(emit);
  }
  stylesheetFiles(config, options.templatesDir).forEach(emit);
  if (early && context) {
    const latest = selection.posts.slice(0, INDEX_POSTS).map(full);
    const { pages } = selection;
    const results = await early.settle(pages, (job) => renderPageJob(context, config, options.outDir, job), options.signal);
    pages.forEach(({ file }, i) => record(file, results[i]!));
    siteFiles(context, latest).forEach(emit);
  } else if (context) {
    // Lazily: one post body in memory at a time (plus the few that feeds already hold).
    const bodies = function* () {
      for (const { post, file } of selection.pages) yield { post: full.peek(post) ?? loadFull(post, config), file };
    };
    for (const page of renderPageFiles(context, bodies())) emit(page);
  }

  const removed = Object.keys(previous.outputs).filter((p) => !(p in manifest.outputs));
  for (const p of removed) removeOutput(options.outDir, p);

  const summary: BuildSummary = {
    read: files.length,
    published: selection.posts.length,
    skipped: selection.skipped.map(({ file, reason }) => ({ file, reason })),
    problems: selection.problems,
    outputs: Object.keys(manifest.outputs),
  };
  const nextChangeAt = nextFutureDate(entries, now);
  writeCache(options.cacheDir, manifest, {
    version: CACHE_VERSION,
    fingerprint,
    nextChangeAt: nextChangeAt?.toISOString() ?? null,
    builtAt: now.toISOString(),
    summary,
  });
  return { ...summary, written, removed, upToDate: false, nextChangeAt };
}

/**
 * Removes, before `file` is written, the last build's outputs that stand in its way: one at a
 * folder `file` needs (`x.html` when the page moves to `x.html/index.html`), or those below
 * `file` when it is a file now (the other way round). Such an old output can't be an output of
 * this build too (a path is a file or a folder), and left in place it would fail this build and
 * every later one.
 */
function oldOutputsInTheWay(previous: Record<string, string>, outDir: string): (file: string) => void {
  const outputs = Object.keys(previous);
  if (outputs.length === 0) return () => {};
  let below: Map<string, string[]> | undefined;
  return (file) => {
    for (const folder of foldersAbove(file)) if (folder in previous) removeOutput(outDir, folder);
    if (below === undefined) {
      below = new Map();
      for (const output of outputs) {
        for (const folder of foldersAbove(output)) {
          const list = below.get(folder);
          if (list) list.push(output);
          else below.set(folder, [output]);
        }
      }
    }
    for (const output of below.get(file) ?? []) removeOutput(outDir, output);
  };
}

/**
 * Each body a feed shows is read and rendered once per build, however many feeds show it;
 * `peek` lets the page step reuse those without keeping every other body too.
 */
function memoizedLoader(config: Config): ((post: Post) => FullPost) & { peek: (post: Post) => FullPost | undefined } {
  const seen = new Map<string, FullPost>();
  const load = (post: Post): FullPost => {
    let loaded = seen.get(post.id);
    if (!loaded) {
      loaded = loadFull(post, config);
      seen.set(post.id, loaded);
    }
    return loaded;
  };
  return Object.assign(load, { peek: (post: Post) => seen.get(post.id) });
}

/** The earliest publication time after `now` among publishable posts: when the output next changes. */
function nextFutureDate(entries: ParsedEntry[], now: Date): Date | null {
  let next: Date | null = null;
  for (const entry of entries) {
    if (!entry.ok || entry.status !== 'published') continue;
    if (entry.post.date > now && (next === null || entry.post.date < next)) next = entry.post.date;
  }
  return next;
}
