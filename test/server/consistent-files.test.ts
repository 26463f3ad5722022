import { createReadStream, mkdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeAtomic } from '../../src/build/write.js';
import { createServer } from '../../src/server/app.js';
import { ConsistentFiles } from '../../src/server/consistent-files.js';
import { openDb } from '../../src/store/db.js';
import { projectRoot, tempDir } from '../helpers/paths.js';
import { siteConfig } from './fixtures.js';

const temp = tempDir('tayori-consistent-');
let app: FastifyInstance;
let base: string;

/**
 * What @fastify/send does, with a build's atomic rewrite landing in the one place it hurts:
 * after the stat and the creation of the stream, before the stream opens the path (it opens
 * asynchronously, so a rename in the same tick always comes first).
 */
beforeAll(async () => {
  const files = new ConsistentFiles();
  app = Fastify();
  app.addHook('onSend', async (_request, reply, payload) => files.check(reply, payload));
  app.get<{ Querystring: { before: string; after: string } }>('/race', async (request, reply) => {
    const file = path.join(temp.dir, 'feed.xml');
    writeFileSync(file, request.query.before);
    const stat = statSync(file);
    const stream = createReadStream(file, { start: 0, end: Math.max(0, stat.size - 1) });
    if (request.query.after !== request.query.before) {
      writeFileSync(`${file}.tmp`, request.query.after);
      renameSync(`${file}.tmp`, file);
    }
    files.remember(reply, file, stat);
    reply.header('content-length', stat.size).header('etag', `W/"${stat.size.toString(16)}-${stat.mtime.getTime().toString(16)}"`);
    return reply.type('application/rss+xml').send(stream);
  });
  base = await app.listen({ host: '127.0.0.1', port: 0 });
});

afterAll(async () => {
  await app.close();
  temp.cleanup();
});

async function race(before: string, after: string): Promise<{ body: string; length: string | null; etag: string | null }> {
  const response = await fetch(`${base}/race?${new URLSearchParams({ before, after })}`, { signal: AbortSignal.timeout(5000) });
  return { body: await response.text(), length: response.headers.get('content-length'), etag: response.headers.get('etag') };
}

describe('a file replaced between its stat and its open', () => {
  it('is sent whole as it is now, when it grew', async () => {
    const after = `<rss>${'新しい記事 '.repeat(200)}</rss>`;
    const answer = await race('<rss>old</rss>', after);
    expect(answer.body).toBe(after);
    expect(Number(answer.length)).toBe(Buffer.byteLength(after));
  });

  it('is sent whole as it is now, when it shrank (no reader left waiting for missing bytes)', async () => {
    const answer = await race(`<rss>${'古い記事 '.repeat(200)}</rss>`, '<rss>new</rss>');
    expect(answer.body).toBe('<rss>new</rss>');
    expect(answer.length).toBe(String(Buffer.byteLength('<rss>new</rss>')));
    const stat = statSync(path.join(temp.dir, 'feed.xml'));
    expect(answer.etag).toBe(`W/"${stat.size.toString(16)}-${stat.mtime.getTime().toString(16)}"`);
  });

  it('leaves an unchanged file to the stream', async () => {
    const answer = await race('<rss>same</rss>', '<rss>same</rss>');
    expect(answer.body).toBe('<rss>same</rss>');
  });
});

describe('the server while a build rewrites a feed again and again', () => {
  it('sends every reader one whole version, compressed or not', async () => {
    const outDir = path.join(temp.dir, 'public');
    mkdirSync(outDir, { recursive: true });
    const versions = [`<rss>${'短'.repeat(1000)}</rss>`, `<rss>${'long '.repeat(2000)}</rss>`];
    const feed = path.join(outDir, 'feed.xml');
    writeAtomic(feed, versions[0]!);
    const db = openDb(path.join(temp.dir, 'store.sqlite'));
    const server = await createServer({
      config: siteConfig(),
      db,
      outDir,
      templatesDir: path.join(projectRoot, 'templates'),
      mailer: { send: async () => ({ messageId: 'unused' }) },
      clock: () => new Date(),
    });
    const url = await server.app.listen({ host: '127.0.0.1', port: 0 });
    let flips = 0;
    const builds = setInterval(() => {
      for (let i = 0; i < 5; i++) writeAtomic(feed, versions[flips++ % 2]!, { durable: false });
    }, 1);
    const wrong: string[] = [];
    let answers = 0;
    const until = Date.now() + 2000;
    const reader = async (encoding: string): Promise<void> => {
      while (Date.now() < until) {
        try {
          const response = await fetch(`${url}/feed.xml`, { headers: { 'accept-encoding': encoding }, signal: AbortSignal.timeout(3000) });
          const body = await response.text();
          answers++;
          if (!versions.includes(body)) wrong.push(`${encoding}: ${response.status}, ${body.length} characters`);
        } catch (error) {
          wrong.push(`${encoding}: ${(error as Error).message}`);
        }
      }
    };
    try {
      await Promise.all(['identity', 'gzip', 'identity', 'br'].map(reader));
    } finally {
      clearInterval(builds);
      await server.app.close();
      db.close();
    }
    expect(flips).toBeGreaterThan(100);
    expect(answers).toBeGreaterThan(50);
    expect(wrong).toEqual([]);
  });
});
