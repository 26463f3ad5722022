import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../config/load.js';
import type { PostFile } from '../content/files.js';
import type { ParsedEntry } from '../content/parse.js';
import type { PostProblem, SkipReason } from '../content/post.js';
import { writeAtomic } from './write.js';

/**
 * The build cache, in two files under paths.cache:
 *  - stamp.json, small: a fingerprint of everything a build reads (config, templates, every
 *    post file's size and mtime) and the summary of the build that produced it. When the
 *    fingerprint is unchanged and no future-dated post has come due, the output is
 *    unchanged too, and a rebuild stops after one stat per file.
 *  - manifest.json: each post file's parsed front matter (reused while its size and mtime
 *    hold) and the hash of every output file (so unchanged outputs are not rewritten).
 * Bump CACHE_VERSION whenever parsing or rendering changes what a build writes.
 */
export const CACHE_VERSION = 2;

export interface BuildSummary {
  read: number;
  published: number;
  skipped: { file: string; reason: SkipReason }[];
  problems: PostProblem[];
  /** Output files (relative to the output folder) that a build produces. */
  outputs: string[];
}

export interface Stamp {
  version: number;
  fingerprint: string;
  /** ISO time of the earliest future-dated post at the last build: the output changes then. */
  nextChangeAt: string | null;
  /** ISO time the last build took as now: an earlier now (`--now`, a clock set back) must build again. */
  builtAt: string;
  summary: BuildSummary;
}

export interface ManifestFile {
  mtimeMs: number;
  size: number;
  entry: ParsedEntry;
}

export interface Manifest {
  version: number;
  /**
   * The output folder `outputs` are in (realpath). Another folder's outputs are neither
   * compared with nor removed: they are not this build's files. Absent in manifests written
   * before it was recorded; those are taken to be of the folder being built.
   */
  outDir?: string;
  /**
   * Digest of the config the `files` entries were parsed with: a post's URL, id and dates come
   * from `permalink`, `site.url` and `site.timezone` too, so another config parses every file again.
   */
  parsedWith?: string;
  files: Record<string, ManifestFile>;
  outputs: Record<string, string>;
}

export function fingerprint(parts: { configText: string; templatesDir: string; outDir: string; files: PostFile[]; pages: boolean }): string {
  const hash = createHash('sha256');
  hash.update(`v${CACHE_VERSION}\0${parts.outDir}\0${parts.pages}\0${parts.configText}\0`);
  for (const t of statTemplates(parts.templatesDir)) hash.update(t);
  for (const f of parts.files) hash.update(`${f.file}\0${f.mtimeMs}\0${f.size}\n`);
  return hash.digest('base64url');
}

function statTemplates(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir, { recursive: true }) as string[];
  } catch {
    return [];
  }
  return names.sort().map((name) => {
    try {
      const s = statSync(path.join(dir, name));
      return `${name}\0${s.mtimeMs}\0${s.size}\n`;
    } catch {
      return `${name}\0gone\n`;
    }
  });
}

/** Dates come back from JSON as strings; these are the only Date fields in a cached entry. */
function revive(key: string, value: unknown): unknown {
  if ((key === 'date' || key === 'updated') && typeof value === 'string') return new Date(value);
  return value;
}

function readJson<T>(file: string, reviver?: (key: string, value: unknown) => unknown): T | undefined {
  try {
    const value = JSON.parse(readFileSync(file, 'utf8'), reviver) as { version?: number };
    return value.version === CACHE_VERSION ? (value as T) : undefined;
  } catch {
    return undefined;
  }
}

export function readStamp(cacheDir: string): Stamp | undefined {
  return readJson<Stamp>(path.join(cacheDir, 'stamp.json'));
}

/**
 * The last build's manifest. Its parsed front matter only when `config` is the one it was parsed
 * with. Its output hashes only when they are of `outDir`: after the output
 * folder changed (`--out`, the config), the files there were never written by this cache's
 * builds (another generator's site, say), and are to be compared with, not removed.
 */
export function readManifest(cacheDir: string, outDir: string, config: Config): Manifest {
  const manifest = readJson<Manifest>(path.join(cacheDir, 'manifest.json'), revive) ?? { version: CACHE_VERSION, files: {}, outputs: {} };
  const folder = outputFolderId(outDir);
  const parsedWith = configDigest(config);
  return {
    ...manifest,
    outDir: folder,
    parsedWith,
    files: manifest.parsedWith === parsedWith ? manifest.files : {},
    outputs: manifest.outDir === undefined || manifest.outDir === folder ? manifest.outputs : {},
  };
}

function configDigest(config: Config): string {
  return createHash('sha256').update(JSON.stringify(config)).digest('base64url');
}

/** One name per folder however it is spelled (relative, through a symlink). */
export function outputFolderId(outDir: string): string {
  const absolute = path.resolve(outDir);
  try {
    return realpathSync(absolute);
  } catch {
    return absolute;
  }
}

/** Manifest first, stamp last: a build killed in between leaves a stamp that doesn't match. */
export function writeCache(cacheDir: string, manifest: Manifest, stamp: Stamp): void {
  writeAtomic(path.join(cacheDir, 'manifest.json'), JSON.stringify(manifest));
  writeAtomic(path.join(cacheDir, 'stamp.json'), JSON.stringify(stamp));
}
