import { readdirSync, statSync, type Dirent, type Stats } from 'node:fs';
import path from 'node:path';

export interface PostFile {
  /** Relative to the posts folder, with forward slashes. */
  file: string;
  absolutePath: string;
  mtimeMs: number;
  size: number;
}

export const POST_EXTENSIONS = ['.md', '.markdown', '.txt'] as const;

/**
 * Names skipped as Jekyll skips them: hidden (`.git`, `.DS_Store`), `_`-prefixed (`_drafts`,
 * `_notes.md`), editor leftovers (`#post.md#`, `post.md~`). Applies to folders and files alike.
 */
export function isIgnoredName(name: string): boolean {
  return name.startsWith('.') || name.startsWith('_') || name.startsWith('#') || name.endsWith('~');
}

export function isPostFileName(name: string): boolean {
  const lower = name.toLowerCase();
  return !isIgnoredName(name) && POST_EXTENSIONS.some((ext) => lower.endsWith(ext));
}

/**
 * Every post file below `postsDir` (sub-folders included), sorted by relative path. Symbolic
 * links are followed (a broken one to a post file is listed, with size -1, so that it is
 * reported); a missing posts folder gives an empty list; an entry that vanishes while we look is
 * skipped (the next build sees the folder as it then is).
 */
export function listPostFiles(postsDir: string): PostFile[] {
  const root = path.resolve(postsDir);
  const found: PostFile[] = [];

  // Folders on the path from the root to here: a symlink back to one of them would loop.
  const walk = (dir: string, relative: string, ancestors: Set<string>): void => {
    let entries: Dirent[];
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      if (isIgnoredName(entry.name)) continue;
      const absolutePath = path.join(dir, entry.name);
      const rel = relative ? `${relative}/${entry.name}` : entry.name;
      let isDir = entry.isDirectory();
      let isFile = entry.isFile();
      let stats: Stats | undefined;
      if (entry.isSymbolicLink() || isFile || isDir) {
        try {
          stats = statSync(absolutePath);
        } catch {
          // A link to a post that is gone is listed, so that reading it reports the problem
          // (cannot read, ENOENT) instead of the post vanishing without a word.
          if (entry.isSymbolicLink() && isPostFileName(entry.name)) found.push({ file: rel, absolutePath, mtimeMs: 0, size: -1 });
          continue;
        }
        isDir = stats.isDirectory();
        isFile = stats.isFile();
      }
      if (isDir) {
        // A symlink loop must not make the walk endless.
        const key = `${stats!.dev}:${stats!.ino}`;
        if (ancestors.has(key)) continue;
        walk(absolutePath, rel, new Set(ancestors).add(key));
      } else if (isFile && stats && isPostFileName(entry.name)) {
        found.push({ file: rel, absolutePath, mtimeMs: stats.mtimeMs, size: stats.size });
      }
    }
  };

  let rootKey: string;
  try {
    const rootStats = statSync(root);
    rootKey = `${rootStats.dev}:${rootStats.ino}`;
  } catch {
    return [];
  }
  walk(root, '', new Set([rootKey]));
  return found.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
}
