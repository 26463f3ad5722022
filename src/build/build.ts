import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../config/load.js';
import { listPostFiles } from '../content/files.js';
import { fingerprint, readStamp, type BuildSummary } from './cache.js';
import { pageRenderers, PageThreads } from './page-threads.js';

export { BuildStopped } from './stopped.js';

export interface BuildOptions {
  config: Config;
  /** Raw text of the config file: part of the cache fingerprint. */
  configText: string;
  postsDir: string;
  outDir: string;
  templatesDir: string;
  cacheDir: string;
  now: Date;
  /** Ignore the build cache (e.g. after files in the output folder were changed by hand). */
  force?: boolean;
  /**
   * Threads that render post pages, the main thread included. Default: one per core for sites
   * with 48 MB of posts or more (about 1,500 posts of 33 KB), else the main thread alone. 1 keeps
   * everything on the main thread.
   */
  pageThreads?: number;
  /**
   * Stops a build with page threads between two batches of files or pages (`tayori start` on a
   * stop signal): pages handed out finish, nothing else starts, no stamp is written, and the
   * build rejects with BuildStopped. The next build starts over.
   */
  signal?: AbortSignal;
}

export interface BuildReport extends BuildSummary {
  /** Output files whose content changed and were written this time. */
  written: string[];
  /** Output files that no build produces any more and were removed. */
  removed: string[];
  /** True when nothing a build reads had changed, so nothing was rendered. */
  upToDate: boolean;
  /** When a future-dated post comes due and the output changes without any file changing. */
  nextChangeAt: Date | null;
  /** Threads that rendered post pages: 0 when none were rendered, 1 for the main thread alone. */
  pageThreads: number;
}

/**
 * `tayori build`: post files → feeds (and post pages) in the output folder.
 *
 * This module is the cheap part: one stat per post file, compared with the stamp of the last
 * build. Only when something changed is the full build (Markdown, YAML, templates: the
 * expensive modules to load) imported and run; see full-build.ts.
 */
export async function build(options: BuildOptions): Promise<BuildReport> {
  const files = listPostFiles(options.postsDir);
  const print = fingerprint({
    configText: options.configText,
    templatesDir: options.templatesDir,
    outDir: options.outDir,
    files,
    pages: options.config.site.pages,
  });

  const stamp = options.force ? undefined : readStamp(options.cacheDir);
  const nextChangeAt = stamp?.nextChangeAt ? new Date(stamp.nextChangeAt) : null;
  // Current while no file changed, no future post came due, and now is not before that build's
  // now (then posts it published may not be out yet).
  const current = stamp && stamp.fingerprint === print && (nextChangeAt === null || options.now < nextChangeAt) && options.now.toISOString() >= stamp.builtAt;
  if (stamp && current) {
    return { ...stamp.summary, written: [], removed: [], upToDate: true, nextChangeAt, pageThreads: 0 };
  }
  // A build killed halfway must not leave a stamp that claims the output is current.
  rmSync(path.join(options.cacheDir, 'stamp.json'), { force: true });
  // Page threads start before the full build's modules load (a quarter of a second), so that
  // they are ready for the first pages sooner.
  const renderers = options.config.site.pages ? pageRenderers(options.pageThreads, files) : 0;
  const threads = renderers > 1 ? new PageThreads(renderers - 1, { config: options.config, templatesDir: options.templatesDir, outDir: options.outDir }) : undefined;
  try {
    const { fullBuild } = await import('./full-build.js');
    return { ...(await fullBuild(options, files, print, threads)), pageThreads: renderers };
  } finally {
    // Stopped while reading front matter: the threads finish the pages they have first.
    if (options.signal?.aborted) await threads?.quiesce();
    await threads?.close();
  }
}

export function readConfigText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}
