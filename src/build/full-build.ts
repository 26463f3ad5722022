import { rmSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import type { Config } from '../config/load.js';
import type { PostFile } from '../content/files.js';
import { loadFull, readPostHead, selectPublished } from '../content/load.js';
import type { ParsedEntry } from '../content/parse.js';
import type { FullPost, Post } from '../content/post.js';
import { renderFeeds, stylesheetFiles, type OutputFile } from '../feeds/index.js';
import { planFeeds } from '../feeds/plan.js';
import { INDEX_POSTS, PageContext, PageFiles, renderPageFiles, siteFiles } from '../pages/render.js';
import type { BuildOptions, BuildReport } from './build.js';
import { CACHE_VERSION, readManifest, writeCache, type BuildSummary, type Manifest } from './cache.js';
import { MIN_BYTES_FOR_THREADS, PageThreads } from './page-threads.js';
import { writeIfChanged } from './write.js';

/**
 * The build proper. Every post's front matter is read (cheaply: readPostHead stops at the
 * closing `---`, and the manifest keeps it while a file's size and mtime hold), but a body is
 * read and rendered only for the posts a feed shows, or for every post when pages are on.
 * Output files are written as they are rendered, atomically, and only when they changed.
 * Large sites render their post pages on several threads (page-threads.ts) while the main
 * thread writes the feeds.
 */
export async function fullBuild(options: BuildOptions, files: PostFile[], fingerprint: string): Promise<BuildReport> {
  // Started first, so the threads load their modules while the front matter is read.
  const threads = options.config.site.pages ? startPageThreads(options, files) : undefined;
  try {
    return await buildWith(options, files, fingerprint, threads);
  } finally {
    await threads?.close();
  }
}

async function buildWith(options: BuildOptions, files: PostFile[], fingerprint: string, threads: PageThreads | undefined): Promise<BuildReport> {
  const { config, now } = options;
  const previous = readManifest(options.cacheDir);
  const manifest: Manifest = { version: CACHE_VERSION, files: {}, outputs: {} };
  const entries: ParsedEntry[] = files.map((file) => {
    const cached = previous.files[file.file];
    const fresh = !options.force && cached && cached.mtimeMs === file.mtimeMs && cached.size === file.size;
    const entry = fresh ? cached.entry : readPostHead(file, config);
    manifest.files[file.file] = { mtimeMs: file.mtimeMs, size: file.size, entry };
    return entry;
  });
  const selection = selectPublished(entries, now);

  const written: string[] = [];
  const knownHash = (output: string): string | undefined => (options.force ? undefined : previous.outputs[output]);
  const record = (output: string, result: { written: boolean; hash: string }): void => {
    manifest.outputs[output] = result.hash;
    if (result.written) written.push(output);
  };
  const emit = (output: OutputFile): void => {
    record(output.path, writeIfChanged(path.join(options.outDir, output.path), output.contents, knownHash(output.path)));
  };

  // Every page file is known, and checked for clashes, before any thread renders one.
  const pageFiles = new PageFiles();
  const pages = threads ? selection.posts.map((post) => ({ post, file: pageFiles.add(post) })) : [];
  const rendering = threads?.pages(pages.map(({ post, file }) => ({ post, file, knownHash: knownHash(file) })));
  // Awaited below, after the feeds; until then a failure must not count as unhandled.
  rendering?.catch(() => undefined);

  const full = memoizedLoader(config);
  for (const spec of planFeeds(config, selection.posts)) {
    renderFeeds(config, spec, spec.posts.map(full)).forEach(emit);
  }
  stylesheetFiles(config, options.templatesDir).forEach(emit);
  if (rendering) {
    const latest = selection.posts.slice(0, INDEX_POSTS).map(full);
    const results = await rendering;
    pages.forEach(({ file }, i) => record(file, results[i]!));
    siteFiles(new PageContext(config, options.templatesDir), latest).forEach(emit);
  } else if (config.site.pages) {
    // Lazily: one post body in memory at a time (plus the few that feeds already hold).
    const bodies = function* () {
      for (const post of selection.posts) yield full.peek(post) ?? loadFull(post, config);
    };
    for (const page of renderPageFiles(config, bodies(), options.templatesDir)) emit(page);
  }

  const removed = Object.keys(previous.outputs).filter((p) => !(p in manifest.outputs));
  for (const p of removed) rmSync(path.join(options.outDir, p), { force: true });

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
    summary,
  });
  return { ...summary, written, removed, upToDate: false, nextChangeAt, pageThreads: threads ? threads.size : config.site.pages ? 1 : 0 };
}

/**
 * Page threads for this build, or undefined to render pages on the main thread: small sites
 * (unless `pageThreads` asks for threads) and one-core machines.
 */
function startPageThreads(options: BuildOptions, files: PostFile[]): PageThreads | undefined {
  const markdownBytes = files.reduce((sum, file) => sum + file.size, 0);
  const count = options.pageThreads ?? (markdownBytes >= MIN_BYTES_FOR_THREADS ? availableParallelism() : 1);
  if (count < 2) return undefined;
  return new PageThreads(count, { config: options.config, templatesDir: options.templatesDir, outDir: options.outDir });
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
