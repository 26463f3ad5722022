/**
 * Post pages started while the front matter is still being read, so the page threads work
 * from the start instead of waiting for the whole site's front matter (about a second at
 * 10,000 posts).
 *
 * Which posts a build publishes is only known once every file is read: of two posts with one
 * URL, id or page file, the one published first stays (content/load.ts, selectPublished). So a
 * page starts on what its own front matter says (published, not a draft, not dated in the future,
 * a usable page file of its own: content/page-files.ts, and no page started for that file yet),
 * and `settle` puts right the rare start that turns out wrong: a page that belongs to the other
 * post of a clash is rendered again, after the first one is written; a page of a post left out
 * is removed.
 */
import path from 'node:path';
import type { Config } from '../config/load.js';
import { PageClaims, postPageFile } from '../content/page-files.js';
import type { ParsedEntry } from '../content/parse.js';
import type { Post } from '../content/post.js';
import type { PageJob, PageOutcome, PageResult } from './page-job.js';
import type { PageThreads } from './page-threads.js';
import { removeOutput } from './write.js';

export class EarlyPages {
  /** Page file → the post whose page was started there, and its index in the thread queue. */
  private readonly started = new Map<string, { post: Post; index: number }>();
  private readonly claims = new PageClaims();

  constructor(
    private readonly threads: PageThreads,
    private readonly config: Pick<Config, 'site' | 'feeds'>,
    private readonly outDir: string,
    private readonly now: Date,
    /** Hash of each output at the last build (undefined: compare with the file on disk). */
    private readonly knownHash: (file: string) => string | undefined,
    /** Removes the last build's outputs that stand where a page goes (full-build.ts). */
    private readonly clearWayFor: (file: string) => void = () => {},
  ) {}

  /** Starts the entry's page if its front matter says it will be published. */
  offer(entry: ParsedEntry): void {
    if (!entry.ok || entry.status !== 'published' || entry.post.date.getTime() > this.now.getTime()) return;
    // A path selectPublished will refuse gets no page (the build reports it once every file is read).
    const file = postPageFile(entry.post, this.config);
    if (file === undefined) return;
    // Two posts, one page file, or one's file where the other needs a folder (`/a.html` and
    // `/a.html/b/`): which one stays is known at the end, so only the first gets a page now.
    if (this.claims.clash(file)) return;
    this.claims.claim(file, entry.post);
    this.clearWayFor(file);
    this.started.set(file, { post: entry.post, index: this.threads.add({ post: entry.post, file, knownHash: this.knownHash(file) }) });
  }

  /**
   * The result of each of the build's pages (in the order given), once all are written; throws
   * the error of the first page that failed. `here` renders pages on this thread meanwhile.
   */
  async settle(pages: { post: Post; file: string }[], here: (job: PageJob) => PageOutcome, signal?: AbortSignal): Promise<PageResult[]> {
    const outcomes = await this.threads.finish(here, signal);
    // Pages of posts left out go first: one may sit where a kept page needs its file or folder.
    const kept = new Set(pages.map(({ file }) => file));
    for (const [file, { index }] of this.started) {
      const outcome = outcomes[index]!;
      if (!kept.has(file) && 'written' in outcome && outcome.written) removeOutput(this.outDir, file);
    }
    let late = false;
    const indices = pages.map(({ post, file }) => {
      const early = this.started.get(file);
      if (early?.post === post) return early.index;
      // Not started, or started for the other post of a clash: rendered now, after that one was
      // written, and compared with what is on disk rather than with the last build's hash.
      late = true;
      this.clearWayFor(file);
      return this.threads.add({ post, file, knownHash: early ? undefined : this.knownHash(file) });
    });
    const all = late ? await this.threads.finish(here, signal) : outcomes;
    return indices.map((index) => {
      const outcome = all[index]!;
      if ('error' in outcome) throw new Error(outcome.error);
      return outcome;
    });
  }
}
