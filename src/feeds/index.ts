import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Config } from '../config/schema.js';
import type { FullPost } from '../content/post.js';
import { renderAtom } from './atom.js';
import { FALLBACK_CSS_FILE, feedDocument, FEED_FILES, STYLESHEET_FILE } from './entry.js';
import { renderJsonFeed } from './jsonfeed.js';
import type { FeedSpec } from './plan.js';
import { renderRss } from './rss.js';

export { planFeeds, type FeedSpec } from './plan.js';
export { termSlug, feedDir } from './paths.js';
export { stripXmlInvalid } from './xml.js';
export { FALLBACK_CSS_FILE, FEED_FILES, STYLESHEET_FILE } from './entry.js';

export interface OutputFile {
  /** Relative to the output folder, forward slashes. */
  path: string;
  contents: string;
}

/**
 * feed.xml (RSS 2.0), atom.xml (Atom 1.0) and feed.json (JSON Feed 1.1) in `spec.dir`.
 * Pure: same config and posts give byte-identical strings.
 */
export function renderFeeds(config: Config, spec: FeedSpec, posts: FullPost[]): OutputFile[] {
  const feed = feedDocument(config, spec, posts);
  const at = (file: string) => (spec.dir === '' ? file : `${spec.dir}/${file}`);
  return [
    { path: at(FEED_FILES.rss), contents: renderRss(feed) },
    { path: at(FEED_FILES.atom), contents: renderAtom(feed) },
    { path: at(FEED_FILES.json), contents: renderJsonFeed(feed) },
  ];
}

/** The stylesheets shipped with tayori (templates/ beside dist/ and src/). */
export const BUILTIN_TEMPLATES_DIR = fileURLToPath(new URL('../../templates/', import.meta.url));

/**
 * feed.xsl for the output root, where every feed's xml-stylesheet points: the site's own copy in
 * `templatesDir` when it has one, else the one shipped with tayori. Pass `text` to skip the read.
 */
export function stylesheetFile(_config: Config, templatesDir: string, text?: string): OutputFile {
  return templateFile(STYLESHEET_FILE, templatesDir, text);
}

/** feed.xsl and feed.css (the look for browsers without XSLT), both for the output root. */
export function stylesheetFiles(config: Config, templatesDir: string): OutputFile[] {
  return [stylesheetFile(config, templatesDir), templateFile(FALLBACK_CSS_FILE, templatesDir)];
}

function templateFile(name: string, templatesDir: string, text?: string): OutputFile {
  if (text !== undefined) return { path: name, contents: text };
  const candidates = [path.join(templatesDir, name), path.join(BUILTIN_TEMPLATES_DIR, name)];
  for (const file of candidates) {
    if (existsSync(file)) return { path: name, contents: readFileSync(file, 'utf8') };
  }
  throw new Error(
    `${candidates.join(' and ')}: not found. Fix: restore ${name} from tayori's templates/ folder, or point paths.templates at a folder that has it.`,
  );
}
