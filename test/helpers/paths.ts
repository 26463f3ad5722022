import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** The independent checkers and real-world seed posts, beside the project (see ../shared/tools/README.md). */
export const sharedDir = path.resolve(projectRoot, '../shared');
export const toolsDir = path.join(sharedDir, 'tools');
export const seedsDir = path.join(sharedDir, 'seeds');

/** A fresh temporary folder; removed by the returned cleanup. */
export function tempDir(prefix = 'tayori-test-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
