/**
 * The page-rendering threads, driven directly (from the sources, the threads run the worker
 * through tsx; the CLI tests run the compiled one).
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadFull, loadPosts } from '../../src/content/load.js';
import { renderPageJob, type PageJob } from '../../src/build/page-job.js';
import { PageThreads } from '../../src/build/page-threads.js';
import { contentHash } from '../../src/build/write.js';
import { PageContext, pageFileFor, renderPostPage } from '../../src/pages/render.js';
import { siteConfig, writePosts } from '../server/fixtures.js';
import { projectRoot, tempDir } from '../helpers/paths.js';

const temp = tempDir('tayori-page-threads-');
afterAll(() => temp.cleanup());
const postsDir = path.join(temp.dir, 'posts');
const outDir = path.join(temp.dir, 'public');
writePosts(postsDir);
const config = siteConfig('https://example.com/blog/');
const templatesDir = path.join(projectRoot, 'templates');
const { posts } = loadPosts(postsDir, config, new Date('2026-11-23T00:00:00Z'));
const jobs = posts.map((post) => ({ post, file: pageFileFor(post) }));
const here = new PageContext(config, templatesDir);

describe('PageThreads', () => {
  it('writes each page as the main thread renders it, with outcomes in the order the pages were queued, and skips unchanged pages', async () => {
    const threads = new PageThreads(2, { config, templatesDir, outDir });
    try {
      // Fewer pages than a batch: they wait for finish(), which sends the short batch.
      const indices = jobs.map((job) => threads.add(job));
      expect(indices).toEqual(jobs.map((_, i) => i));
      const outcomes = await threads.finish();
      expect(outcomes).toHaveLength(posts.length);
      outcomes.forEach((outcome, i) => {
        const expected = renderPostPage(here, loadFull(posts[i]!, config), jobs[i]!.file);
        expect(readFileSync(path.join(outDir, jobs[i]!.file), 'utf8')).toBe(expected);
        expect(outcome).toEqual({ hash: contentHash(Buffer.from(expected)), written: true });
      });
      // Queued after a finish(): indices go on, and the next finish() answers for them too.
      const again = jobs.map((job, i) => threads.add({ ...job, knownHash: (outcomes[i] as { hash: string }).hash }));
      const all = await threads.finish();
      expect(again.map((i) => all[i])).toEqual(outcomes.map((o) => ({ ...o, written: false })));
    } finally {
      await threads.close();
    }
  });

  it('shares the queue with the main thread: every page rendered once, by one or the other', async () => {
    const many: PageJob[] = Array.from({ length: 200 }, (_, i) => {
      const job = jobs[i % jobs.length]!;
      return { ...job, file: job.file.replace(/index\.html$/, `${i}/index.html`) };
    });
    const threads = new PageThreads(1, { config, templatesDir, outDir });
    try {
      many.forEach((job) => threads.add(job));
      const onMain: string[] = [];
      const outcomes = await threads.finish((job) => {
        onMain.push(job.file);
        return renderPageJob(here, config, outDir, job);
      });
      expect(outcomes.every((o) => 'written' in o && o.written)).toBe(true);
      expect(onMain.length).toBeGreaterThan(0);
      expect(onMain.length).toBeLessThan(many.length);
      expect(new Set(onMain).size).toBe(onMain.length);
      for (const job of many) expect(readFileSync(path.join(outDir, job.file), 'utf8')).toContain('<article');
    } finally {
      await threads.close();
    }
  });

  it('answers a post that fails with its error, naming the file, and renders the others', async () => {
    const gone = path.join(temp.dir, 'gone.md');
    writeFileSync(gone, 'x');
    rmSync(gone);
    const broken = { ...jobs[0]!, post: { ...jobs[0]!.post, file: 'gone.md', absolutePath: gone } };
    const threads = new PageThreads(2, { config, templatesDir, outDir });
    try {
      threads.add(broken);
      jobs.forEach((job) => threads.add(job));
      const [first, ...rest] = await threads.finish();
      expect(first).toEqual({ error: 'gone.md: cannot read the post body (ENOENT); the file changed during the build, run it again' });
      expect(rest.every((o) => 'hash' in o)).toBe(true);
    } finally {
      await threads.close();
    }
  });

  it('rejects when the threads cannot start (a template that does not parse)', async () => {
    const badTemplates = path.join(temp.dir, 'templates');
    mkdirSync(badTemplates);
    writeFileSync(path.join(badTemplates, 'layout.liquid'), '{% if %}');
    const threads = new PageThreads(2, { config, templatesDir: badTemplates, outDir });
    try {
      jobs.forEach((job) => threads.add(job));
      await expect(threads.finish()).rejects.toThrow(/layout\.liquid:1:6: invalid value expression/);
    } finally {
      await threads.close();
    }
  });
});
