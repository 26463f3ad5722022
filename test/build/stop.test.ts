/**
 * A build stopped through its signal (`tayori start` on SIGTERM) ends between two batches: the
 * pages handed out finish whole, nothing else starts, no stamp claims the output is current, and
 * the next build writes everything.
 */
import { getEventListeners } from 'node:events';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { build, BuildStopped, type BuildOptions } from '../../src/build/build.js';
import { parseConfig } from '../../src/config/load.js';
import { projectRoot, tempDir } from '../helpers/paths.js';

const temp = tempDir('tayori-build-stop-');
afterAll(() => temp.cleanup());
const POSTS = 1500;
const postsDir = path.join(temp.dir, 'posts');
const config = parseConfig({
  site: { title: '止める', url: 'https://example.com/', language: 'ja', author: '編集部', timezone: 'Asia/Tokyo', pages: true },
  feeds: { perCategory: false, perTag: false },
});
mkdirSync(postsDir, { recursive: true });
const paragraph = 'ビルドを途中で止めても、書きかけのページは残りません。'.repeat(40);
for (let i = 0; i < POSTS; i++) {
  const day = String((i % 28) + 1).padStart(2, '0');
  writeFileSync(path.join(postsDir, `2026-10-${day}-p${i}.md`), `---\ntitle: "P${i}"\n---\n\n${`${paragraph}\n\n`.repeat(8)}`);
}

function options(name: string, signal?: AbortSignal): BuildOptions {
  return {
    config,
    configText: '',
    postsDir,
    outDir: path.join(temp.dir, name, 'public'),
    templatesDir: path.join(projectRoot, 'templates'),
    cacheDir: path.join(temp.dir, name, 'cache'),
    now: new Date('2026-11-23T00:00:00Z'),
    pageThreads: 2,
    signal,
  };
}

const outputs = (name: string): string[] => readdirSync(path.join(temp.dir, name, 'public'), { recursive: true }) as string[];

describe('a build with page threads, stopped', () => {
  it('stops while the pages render: whole pages only, no stamp; the next build writes them all', async () => {
    const stop = new AbortController();
    // Stop once a good number of pages are written: the threads and the main thread are busy then.
    const watch = setInterval(() => {
      if (existsSync(path.join(temp.dir, 'rendering', 'public')) && outputs('rendering').filter((f) => f.endsWith('index.html')).length >= 200) stop.abort();
    }, 5);
    const stopped = await build(options('rendering', stop.signal)).catch((error: unknown) => error);
    clearInterval(watch);
    expect(stopped).toBeInstanceOf(BuildStopped);
    const written = outputs('rendering');
    expect(written.filter((f) => f.endsWith('index.html')).length).toBeLessThan(POSTS);
    expect(written.filter((f) => f.endsWith('.tmp'))).toEqual([]);
    expect(existsSync(path.join(temp.dir, 'rendering', 'cache', 'stamp.json'))).toBe(false);

    const again = await build(options('rendering'));
    expect(again.published).toBe(POSTS);
    expect(outputs('rendering').filter((f) => f.endsWith('index.html')).length).toBe(POSTS + 1); // and the front page
  }, 60_000);

  it('stops while the front matter is read', async () => {
    const stop = new AbortController();
    setTimeout(() => stop.abort(), 0);
    const stopped = await build(options('reading', stop.signal)).catch((error: unknown) => error);
    expect(stopped).toBeInstanceOf(BuildStopped);
    expect(existsSync(path.join(temp.dir, 'reading', 'cache', 'stamp.json'))).toBe(false);
  }, 60_000);

  it('leaves no listener on a signal that outlives it (tayori start passes one to every rebuild)', async () => {
    const signal = new AbortController().signal;
    for (let round = 0; round < 3; round++) await build({ ...options('listeners', signal), force: true });
    expect(getEventListeners(signal, 'abort')).toHaveLength(0);
  }, 60_000);
});
