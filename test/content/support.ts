import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseConfig, type Config } from '../../src/config/load.js';
import type { PostFile } from '../../src/content/files.js';

/** A validated config; `site` keys override the defaults used across the content tests. */
export function testConfig(site: Record<string, unknown> = {}, rest: Record<string, unknown> = {}): Config {
  return parseConfig({
    site: { title: 'Test', url: 'https://example.com/', author: 'Site Author', timezone: 'Asia/Tokyo', ...site },
    ...rest,
  });
}

/** Writes `files` (relative path → text or bytes) below `dir`. */
export function writeFiles(dir: string, files: Record<string, string | Buffer>): void {
  for (const [name, contents] of Object.entries(files)) {
    const target = path.join(dir, name);
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, contents);
  }
}

/** A PostFile for a file written below `dir` (stat values are not used by the parser). */
export function fileRef(dir: string, name: string): PostFile {
  return { file: name, absolutePath: path.join(dir, name), mtimeMs: 0, size: 0 };
}

/** Front matter lines → a post file text. */
export function post(front: string[], body = 'Body text.\n'): string {
  return ['---', ...front, '---', '', body].join('\n');
}
