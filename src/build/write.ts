import { transcode } from 'node:buffer';
import { createHash } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmdirSync, rmSync, statSync, writeSync } from 'node:fs';
import path from 'node:path';
import { threadId } from 'node:worker_threads';

export function contentHash(contents: string | Buffer): string {
  return createHash('sha256').update(contents).digest('base64url');
}

/**
 * Writes `contents` to `file` so that a reader sees either the old file or the new one, never
 * half of it: write a temporary file in the same folder, then rename it over the target.
 * `durable` adds an fsync before the rename, so the new content also survives a power cut;
 * build outputs skip it (it was 40 % of a 1,000-page build, and `tayori build --force`
 * rewrites anything lost), the build cache and other state keep it.
 * The temporary name needs no random part: a thread renames its temporary file before it
 * writes the next, so process and thread id tell apart every writer that runs at the same time.
 */
export function writeAtomic(file: string, contents: string | Buffer, { durable = true } = {}): void {
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}-${threadId}.tmp`);
  const fd = openCreatingFolder(temp);
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

/** Opens `file` for writing; makes its folder only when it is missing (no mkdir call per file otherwise). */
function openCreatingFolder(file: string): number {
  try {
    return openSync(file, 'w');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    mkdirSync(path.dirname(file), { recursive: true });
    return openSync(file, 'w');
  }
}

/**
 * Writes only when the file's content would change, so unchanged feeds keep their mtime
 * (and HTTP caches their validators). `knownHash` is the hash recorded at the last build;
 * when it matches, the file on disk is not even read.
 */
export function writeIfChanged(file: string, contents: string, knownHash?: string): { written: boolean; hash: string } {
  // Encoded once, for the hash and the write.
  const bytes = utf8Bytes(contents);
  const hash = contentHash(bytes);
  if (knownHash === hash && existsSync(file)) return { written: false, hash };
  if (knownHash === undefined) {
    // Compared with the file on disk, unless its folder did not exist: in a cold build, every
    // post page's folder is made here (one stat fewer per page), before writeAtomic opens a file in it.
    const madeFolder = mkdirSync(path.dirname(file), { recursive: true }) !== undefined;
    if (!madeFolder && fileHash(file) === hash) return { written: false, hash };
  }
  writeAtomic(file, bytes, { durable: false });
  return { written: true, hash };
}

const BEYOND_LATIN1 = /[^\u0000-\u00ff]/;

/**
 * `Buffer.from(text, 'utf8')`, faster for text beyond Latin-1 (Japanese pages): a UTF-16 copy
 * converted by `transcode` (SIMD) takes half the time of V8's encoder, which goes a character
 * at a time. `transcode` refuses lone surrogates, which Buffer.from turns into U+FFFD.
 */
export function utf8Bytes(text: string): Buffer {
  if (text.length < 4096 || !BEYOND_LATIN1.test(text)) return Buffer.from(text, 'utf8');
  const units = utf16Scratch(text.length * 2);
  units.write(text, 0, 'utf16le');
  try {
    return transcode(units, 'utf16le', 'utf8');
  } catch {
    return Buffer.from(text, 'utf8');
  }
}

/**
 * The UTF-16 copy goes into one buffer kept for the next page (transcode reads it at once). A
 * fresh 60–120 KB buffer per page was the largest source of page faults in a page build (the
 * allocator hands such blocks back to the system between pages); with the read buffer kept the
 * same way (content/body.ts), a 10,000-page build went from about 105,000 page faults to 74,000.
 * One per thread: each worker has its own copy of this module.
 */
let scratch = Buffer.alloc(0);
const SCRATCH_MAX = 8 * 1024 * 1024;

function utf16Scratch(bytes: number): Buffer {
  if (bytes > SCRATCH_MAX) return Buffer.allocUnsafe(bytes); // unusually large: not kept
  if (scratch.length < bytes) scratch = Buffer.allocUnsafeSlow(Math.max(bytes, Math.min(scratch.length * 2, SCRATCH_MAX), 64 * 1024));
  return scratch.subarray(0, bytes);
}

/** Hash of the file's bytes, or undefined when there is no such file (without the cost of an exception). */
function fileHash(file: string): string | undefined {
  if (!statSync(file, { throwIfNoEntry: false })) return undefined;
  try {
    return contentHash(readFileSync(file));
  } catch {
    return undefined;
  }
}

/**
 * Removes an output file (`file` relative to `outDir`) and the folders above it that it leaves
 * empty: a removed page's folder would otherwise stay forever, and could stand where a later
 * page needs a file of that name.
 */
export function removeOutput(outDir: string, file: string): void {
  try {
    rmSync(path.join(outDir, file), { force: true });
  } catch (error) {
    // Already gone the other way: a file now stands where its folder was, or a folder of this
    // build's outputs where it was a file (a page moved between x.html/ and x.html).
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOTDIR' || code === 'ERR_FS_EISDIR' || code === 'EISDIR') return;
    throw error;
  }
  for (let dir = path.dirname(file); dir !== '.' && dir !== '/' && dir !== ''; dir = path.dirname(dir)) {
    try {
      rmdirSync(path.join(outDir, dir));
    } catch {
      break; // not empty (another output is below it, so below every folder above too), or gone
    }
  }
}
