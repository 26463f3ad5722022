/**
 * Post pages rendered on worker threads (Markdown, LiquidJS: CPU-bound, thousands of pages in a
 * large site), and on the main thread too once its own work is done. Each thread
 * (page-worker.ts) works on whole pages (page-job.ts): it reads the post's body, renders it and
 * the page, and writes the page itself; only the page's hash and whether it was written come
 * back.
 *
 * Pages are queued as the front matter is read (early-pages.ts), so the threads start on them
 * while the main thread is still reading. Threads take small batches as they free up, so one
 * thread's long posts don't leave another idle.
 *
 * One worker fewer than there are cores: the main thread renders pages too once it has written
 * the feeds. At 10,000 posts on 2 cores, one worker and the main thread were as fast as two
 * workers beside a waiting main thread (faster in 3 of 4 rounds turn about) with one V8 heap
 * fewer to start, warm up and collect: a peak of 225 MB against 245–250.
 *
 * In `tayori start` the build runs beside the HTTP server: the main thread renders a batch at a
 * time (about 30 ms) and reads front matter 64 files at a time, answering requests in between.
 */
import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import type { Config } from '../config/load.js';
import { startWorker } from '../threads/start.js';
import { BuildStopped } from './stopped.js';
import type { PageJob, PageOutcome } from './page-job.js';

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
/**
 * The same until the main thread joins in (finish): between reading the last front matter and
 * rendering pages itself, the main thread sorts the posts and writes the feeds without a look at
 * the threads for about 0.2 s, and two batches last a thread 60 ms.
 */
const BATCHES_AHEAD_WHILE_MAIN_BUSY = 8;

/**
 * Threads that render a build's pages, the main thread included: one per core for sites with
 * MIN_BYTES_FOR_THREADS of Markdown or more, else the main thread alone; `requested` (tayori
 * build --threads N) overrides that.
 */
export function pageRenderers(requested: number | undefined, files: { size: number }[]): number {
  if (requested !== undefined) return requested;
  const markdownBytes = files.reduce((sum, file) => sum + file.size, 0);
  return markdownBytes >= MIN_BYTES_FOR_THREADS ? availableParallelism() : 1;
}

export interface PageWorkerData {
  config: Config;
  templatesDir: string;
  outDir: string;
}

interface Thread {
  worker: Worker;
  /** Index of the first job of each batch sent to this thread and not yet answered, oldest first. */
  pending: number[];
}

/** A queue of pages and the threads that render them. Start it early (the threads load their modules meanwhile); always close(). */
export class PageThreads {
  private readonly threads: Thread[];
  private readonly jobs: PageJob[] = [];
  private readonly outcomes: PageOutcome[] = [];
  /** Jobs [0, next) are handed out, to a thread or to the main thread. */
  private next = 0;
  private answered = 0;
  /** Set by finish(): no more pages are coming for now, so a batch may be short. */
  private draining = false;
  private batchesAhead = BATCHES_AHEAD_WHILE_MAIN_BUSY;
  /** The first thread failure (a module or template that fails to load, a crash). */
  private error: Error | undefined;
  private waiting: { resolve: (outcomes: PageOutcome[]) => void; reject: (error: Error) => void } | undefined;
  /** Set by a stop: nothing more is handed out; the batches out already finish. */
  private stopping = false;
  private onAllAnswered: (() => void) | undefined;

  constructor(workers: number, data: PageWorkerData) {
    const script = new URL('./page-worker.js', import.meta.url);
    const resourceLimits = { maxYoungGenerationSizeMb: PAGE_THREAD_YOUNG_MB };
    this.threads = Array.from({ length: workers }, () => ({ worker: startWorker(script, { workerData: data, resourceLimits }), pending: [] }));
    const fail = (error: Error): void => {
      this.error ??= error;
      this.waiting?.reject(this.error);
      this.waiting = undefined;
      this.onAllAnswered?.(); // a stop waiting for this thread's batches waits no longer
    };
    for (const thread of this.threads) {
      thread.worker.on('error', fail);
      thread.worker.on('exit', (code) => fail(new Error(`a page-rendering thread stopped (exit code ${code}) before its work was done`)));
      thread.worker.on('message', (outcomes: PageOutcome[]) => {
        const start = thread.pending.shift()!;
        outcomes.forEach((outcome, i) => (this.outcomes[start + i] = outcome));
        this.answered += outcomes.length;
        this.feed();
        this.settleIfDone();
        if (this.answered === this.next) this.onAllAnswered?.();
      });
    }
  }

  /** Queues a page; returns its index in the outcomes that finish() resolves with. */
  add(job: PageJob): number {
    this.jobs.push(job);
    this.feed();
    return this.jobs.length - 1;
  }

  /**
   * Every page queued so far, rendered and written: one outcome per page, by index (a post's
   * error is its outcome; a thread that fails rejects). `here` renders pages on this thread
   * meanwhile, a batch at a time, letting the threads' answers in between.
   */
  async finish(here?: (job: PageJob) => PageOutcome, signal?: AbortSignal): Promise<PageOutcome[]> {
    this.draining = true;
    if (here) this.batchesAhead = BATCHES_AHEAD;
    this.feed();
    while (here && this.error === undefined && this.next < this.jobs.length && !signal?.aborted) {
      const start = this.next;
      this.next = Math.min(this.jobs.length, start + BATCH);
      for (let i = start; i < this.next; i++) this.outcomes[i] = here(this.jobs[i]!);
      this.answered += this.next - start;
      await new Promise(setImmediate);
    }
    if (this.error) throw this.error;
    if (signal?.aborted) return this.stop();
    if (this.answered === this.jobs.length) return [...this.outcomes];
    const done = new Promise<PageOutcome[]>((resolve, reject) => (this.waiting = { resolve, reject }));
    if (!signal) return done;
    // The signal outlives the build (tayori start's, for every rebuild): the listener goes with it.
    let onAbort = (): void => {};
    const stopped = new Promise<never>((_resolve, reject) => (onAbort = () => void this.stop().catch(reject)));
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      return await Promise.race([done, stopped]);
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  }

  /**
   * Hands out nothing more and resolves once the threads have answered for the batches they
   * have (a few tens of ms), so that close() never stops a thread in the middle of a page.
   */
  async quiesce(): Promise<void> {
    this.stopping = true;
    this.waiting = undefined;
    if (this.answered < this.next && this.error === undefined) await new Promise<void>((resolve) => (this.onAllAnswered = resolve));
  }

  private async stop(): Promise<never> {
    await this.quiesce();
    throw new BuildStopped();
  }

  async close(): Promise<void> {
    this.waiting = undefined;
    // An error a thread reports while it stops (a template it failed to parse, as the main
    // thread did) is already the build's error; without a listener it would crash the process.
    const ignore = (): void => {};
    await Promise.all(this.threads.map((thread) => thread.worker.removeAllListeners().on('error', ignore).terminate()));
  }

  /** Tops up every thread to `batchesAhead` batches, while whole batches (or, draining, any pages) are queued. */
  private feed(): void {
    if (this.stopping) return;
    for (const thread of this.threads) {
      while (thread.pending.length < this.batchesAhead) {
        const queued = this.jobs.length - this.next;
        if (queued === 0 || (queued < BATCH && !this.draining)) return;
        const start = this.next;
        this.next = Math.min(this.jobs.length, start + BATCH);
        thread.pending.push(start);
        thread.worker.postMessage(this.jobs.slice(start, this.next));
      }
    }
  }

  private settleIfDone(): void {
    if (this.waiting && this.answered === this.jobs.length) {
      this.waiting.resolve([...this.outcomes]);
      this.waiting = undefined;
    }
  }
}
