import { createHash, randomBytes } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';

export function contentHash(contents: string | Buffer): string {
  return createHash('sha256').update(contents).digest('base64url');
}

/**
 * Writes `contents` to `file` so that a reader sees either the old file or the new one, never
 * half of it: write a temporary file in the same folder, then rename it over the target.
 * `durable` adds an fsync before the rename, so the new content also survives a power cut;
 * build outputs skip it (it was 40 % of a 1,000-page build, and `tayori build --force`
 * rewrites anything lost), the build cache and other state keep it.
 */
export function writeAtomic(file: string, contents: string | Buffer, { durable = true } = {}): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const fd = openSync(temp, 'w');
  try {
    writeSync(fd, typeof contents === 'string' ? Buffer.from(contents, 'utf8') : contents);
    if (durable) fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    renameSync(temp, file);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
}

/**
 * Writes only when the file's content would change, so unchanged feeds keep their mtime
 * (and HTTP caches their validators). `knownHash` is the hash recorded at the last build;
 * when it matches, the file on disk is not even read.
 */
export function writeIfChanged(file: string, contents: string, knownHash?: string): { written: boolean; hash: string } {
  const hash = contentHash(contents);
  if (knownHash === hash && existsSync(file)) return { written: false, hash };
  if (knownHash === undefined && fileHash(file) === hash) return { written: false, hash };
  writeAtomic(file, contents, { durable: false });
  return { written: true, hash };
}

function fileHash(file: string): string | undefined {
  try {
    return contentHash(readFileSync(file));
  } catch {
    return undefined;
  }
}
