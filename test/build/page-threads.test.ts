/**
 * The page-rendering threads, driven directly (from the sources, the threads run the worker
 * through tsx; the CLI tests run the compiled one).
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadFull, loadPosts } from '../../src/content/load.js';
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

describe('PageThreads', () => {
  it('writes each page as the main thread renders it, answers in the order of the jobs, and skips unchanged pages', async () => {
    const threads = new PageThreads(2, { config, templatesDir, outDir });
    try {
      const results = await threads.pages(jobs);
      const here = new PageContext(config, templatesDir);
      expect(results).toHaveLength(posts.length);
      results.forEach((result, i) => {
        const expected = renderPostPage(here, loadFull(posts[i]!, config), jobs[i]!.file);
        expect(readFileSync(path.join(outDir, jobs[i]!.file), 'utf8')).toBe(expected);
        expect(result).toEqual({ hash: contentHash(Buffer.from(expected)), written: true });
      });
      const again = await threads.pages(jobs.map((job, i) => ({ ...job, knownHash: results[i]!.hash })));
      expect(again.map((r) => r.written)).toEqual(jobs.map(() => false));
    } finally {
      await threads.close();
    }
  });

  it('rejects with the error of a post that fails on a thread, naming the file', async () => {
    const gone = path.join(temp.dir, 'gone.md');
    writeFileSync(gone, 'x');
    rmSync(gone);
    const broken = { ...jobs[0]!, post: { ...jobs[0]!.post, file: 'gone.md', absolutePath: gone } };
    const threads = new PageThreads(2, { config, templatesDir, outDir });
    try {
      await expect(threads.pages([...jobs, broken])).rejects.toThrow(/^gone\.md: cannot read the post body \(ENOENT\); the file changed during the build, run it again$/);
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
      await expect(threads.pages(jobs)).rejects.toThrow(/invalid value expression.*layout\.liquid/);
    } finally {
      await threads.close();
    }
  });
});
