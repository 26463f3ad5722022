/**
 * @fastify/send stats a file by its path, then opens it by its path. A build replaces a file by
 * renaming a new one over it (build/write.ts), and when that lands between the two, the answer
 * carries the old file's length and validators with the new file's bytes: a feed cut short, or
 * a reader left waiting for bytes that never come. Once the file is open, this checks that it is
 * the file that was stat'ed; if not, the answer is the file as it is now, whole, with its
 * headers taken from the same descriptor as its bytes.
 */
import { once } from 'node:events';
import { fstat, ReadStream, type Stats } from 'node:fs';
import { open } from 'node:fs/promises';
import { promisify } from 'node:util';
import type { FastifyReply } from 'fastify';

const fstatAsync = promisify(fstat);

export class ConsistentFiles {
  private readonly stated = new WeakMap<FastifyReply, { file: string; stat: Stats }>();

  /** Call from @fastify/static's `setHeaders`: the file and the stat that the answer's headers come from. */
  remember(reply: FastifyReply, file: string, stat: Stats): void {
    this.stated.set(reply, { file, stat });
  }

  /** An onSend hook, registered before compression: the payload to send. */
  async check(reply: FastifyReply, payload: unknown): Promise<unknown> {
    const stated = this.stated.get(reply);
    // HEAD answers and 304s have no file stream; anything else is not a static file.
    if (!stated || !(payload instanceof ReadStream)) return payload;
    try {
      if (payload.pending) await once(payload, 'ready');
    } catch {
      return payload; // It could not be opened: the stream's own error answers.
    }
    const opened = await fstatAsync((payload as ReadStream & { fd: number }).fd);
    if (sameFile(opened, stated.stat)) return payload;

    payload.destroy();
    const handle = await open(stated.file, 'r');
    try {
      const stat = await handle.stat();
      const body = await handle.readFile();
      if (reply.statusCode === 206) reply.code(200).removeHeader('content-range');
      // The validators @fastify/send would have given this file.
      reply
        .header('content-length', body.length)
        .header('last-modified', stat.mtime.toUTCString())
        .header('etag', `W/"${stat.size.toString(16)}-${stat.mtime.getTime().toString(16)}"`);
      return body;
    } finally {
      await handle.close();
    }
  }
}

function sameFile(a: Stats, b: Stats): boolean {
  return a.ino === b.ino && a.dev === b.dev && a.size === b.size && a.mtimeMs === b.mtimeMs;
}
