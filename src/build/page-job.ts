/**
 * One post page, start to finish: read and render the post's body, render its page, write the
 * page when it changed. The same code runs on the page threads (page-worker.ts) and, once its
 * own work is done, on the main thread (page-threads.ts).
 */
import path from 'node:path';
import type { Config } from '../config/load.js';
import { loadFull } from '../content/body.js';
import type { Post } from '../content/post.js';
import { type PageContext, renderPostPage } from '../pages/render.js';
import { writeIfChanged } from './write.js';

export interface PageJob {
  post: Post;
  /** Output file, relative to the output folder (pageFileFor). */
  file: string;
  /** Hash recorded at the last build; undefined to compare with the file on disk (or --force). */
  knownHash?: string;
}

export interface PageResult {
  hash: string;
  written: boolean;
}

/** A page's result, or the message of the error that stopped it (which names the post file and the fix). */
export type PageOutcome = PageResult | { error: string };

export function renderPageJob(pages: PageContext, config: Config, outDir: string, job: PageJob): PageOutcome {
  try {
    const contents = renderPostPage(pages, loadFull(job.post, config), job.file);
    return writeIfChanged(path.join(outDir, job.file), contents, job.knownHash);
  } catch (error) {
    return { error: error instanceof Error ? error.message : String(error) };
  }
}
