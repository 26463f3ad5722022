/**
 * Threads that render post pages (Markdown, LiquidJS: CPU-bound, thousands of pages in a large
 * site). Each thread (page-worker.ts) works on whole pages: it reads the post's body, renders
 * it and the page, and writes the page itself; only the page's hash and whether it was written
 * come back. The main thread hands out small batches as threads ask for more, so one thread's
 * long posts don't leave another idle.
 *
 * Front matter stays on the main thread. Tried on the threads as well: a fresh thread runs the
 * YAML parser unoptimised for its first thousand files, so two threads made that phase slower
 * and one helping the main thread saved under 0.2 s of a 6.5 s build, for more CPU and code.
 */
import type { Worker } from 'node:worker_threads';
import type { Config } from '../config/load.js';
import type { Post } from '../content/post.js';
import { startWorker } from '../threads/start.js';

/**
 * Below this much Markdown (the post files' total size) a build renders its pages on the main
 * thread: on 1,000 posts of 33 KB, starting two threads and warming them up cost what they saved.
 */
export const MIN_BYTES_FOR_THREADS = 48 * 1024 * 1024;
/**
 * A page thread's young generation: with V8's default (up to 48 MB) each thread held about 20 MB
 * more at its peak for no gain in time (10,000 posts, three rounds turn about: 6.7–7.0 s with
 * 8 MB, 6.6–9.0 s by default, 6.8–7.4 s with 64 MB; peak RSS 248–252 MB against 288–296).
 */
const PAGE_THREAD_YOUNG_MB = 8;
/** Pages per batch: small enough to balance the threads, large enough that messages cost nothing. */
const BATCH = 32;
/** Batches queued at each thread, so it never waits for the main thread between two. */
const BATCHES_AHEAD = 2;

export interface PageWorkerData {
  config: Config;
  templatesDir: string;
  outDir: string;
}

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

/** A thread's answer to a batch of jobs: a result per job, or the first error's message. */
export type PageBatchReply = { ok: true; results: PageResult[] } | { ok: false; message: string };

interface Thread {
  worker: Worker;
  /** [start, end) of the batches sent to this thread and not yet answered, oldest first. */
  pending: [number, number][];
}

/** Page threads. Start them early (they load their modules while the front matter is read); always close(). */
export class PageThreads {
  private readonly threads: Thread[];
  /** The first thread failure (a module or template that fails to load, a crash), kept for later runs. */
  private error: Error | undefined;
  private failure: ((error: Error) => void) | undefined;

  constructor(count: number, data: PageWorkerData) {
    const script = new URL('./page-worker.js', import.meta.url);
    const resourceLimits = { maxYoungGenerationSizeMb: PAGE_THREAD_YOUNG_MB };
    this.threads = Array.from({ length: count }, () => ({ worker: startWorker(script, { workerData: data, resourceLimits }), pending: [] }));
    const fail = (error: Error): void => {
      this.error ??= error;
      this.failure?.(error);
    };
    for (const thread of this.threads) {
      thread.worker.on('error', fail);
      thread.worker.on('exit', (code) => fail(new Error(`a page-rendering thread stopped (exit code ${code}) before its work was done`)));
    }
  }

  get size(): number {
    return this.threads.length;
  }

  /** Renders and writes every job's page; results in the order of `jobs`. Rejects with the first post's error. */
  pages(jobs: PageJob[]): Promise<PageResult[]> {
    if (this.error) return Promise.reject(this.error);
    const results: PageResult[] = new Array(jobs.length);
    let next = 0;
    let done = 0;
    return new Promise((resolve, reject) => {
      let settled = false;
      const finish = (error?: Error): void => {
        if (settled) return;
        settled = true;
        this.failure = undefined;
        for (const thread of this.threads) thread.worker.removeAllListeners('message');
        if (error) reject(error);
        else resolve(results);
      };
      const send = (thread: Thread): void => {
        if (next >= jobs.length) return;
        const range: [number, number] = [next, Math.min(jobs.length, next + BATCH)];
        next = range[1];
        thread.pending.push(range);
        thread.worker.postMessage(jobs.slice(...range));
      };

      this.failure = finish;
      if (jobs.length === 0) return finish();
      for (const thread of this.threads) {
        thread.worker.on('message', (reply: PageBatchReply) => {
          if (!reply.ok) return finish(new Error(reply.message));
          const [start] = thread.pending.shift()!;
          reply.results.forEach((result, i) => (results[start + i] = result));
          done += reply.results.length;
          if (done === jobs.length) return finish();
          send(thread);
        });
        for (let i = 0; i < BATCHES_AHEAD; i++) send(thread);
      }
    });
  }

  async close(): Promise<void> {
    this.failure = undefined;
    await Promise.all(this.threads.map((thread) => thread.worker.removeAllListeners().terminate()));
  }
}
