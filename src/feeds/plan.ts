import type { Config } from '../config/schema.js';
import type { Post } from '../content/post.js';
import { feedDir } from './paths.js';

export interface FeedSpec {
  kind: 'main' | 'category' | 'tag';
  /** The category or tag, for kind 'category' and 'tag'. */
  term?: string;
  title: string;
  /** Output folder relative to the output folder: '' for main, e.g. 'categories/<slug>'. */
  dir: string;
  /** Newest first, at most config.feeds.items. */
  posts: Post[];
}

/**
 * Which feeds a build writes: the main feed, plus one per category and one per tag when
 * enabled. `posts` are the published posts; they are sorted here again (newest first, then
 * by id) so that the output never depends on the order the caller happened to read files in.
 */
export function planFeeds(config: Config, posts: Post[]): FeedSpec[] {
  const sorted = [...posts].sort(newestFirst);
  const limit = config.feeds.items;
  const specs: FeedSpec[] = [{ kind: 'main', title: config.site.title, dir: '', posts: sorted.slice(0, limit) }];
  if (config.feeds.perCategory) specs.push(...termFeeds(config, sorted, 'category', (post) => post.categories));
  if (config.feeds.perTag) specs.push(...termFeeds(config, sorted, 'tag', (post) => post.tags));
  return specs;
}

export function newestFirst(a: Post, b: Post): number {
  const byDate = b.date.getTime() - a.date.getTime();
  if (byDate !== 0) return byDate;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

function termFeeds(config: Config, sorted: Post[], kind: 'category' | 'tag', termsOf: (post: Post) => string[]): FeedSpec[] {
  const byTerm = new Map<string, Post[]>();
  for (const post of sorted) {
    for (const term of new Set(termsOf(post))) {
      if (term.trim() === '') continue;
      const list = byTerm.get(term) ?? [];
      if (list.length < config.feeds.items) list.push(post);
      byTerm.set(term, list);
    }
  }
  const specs: FeedSpec[] = [];
  const owners = new Map<string, string>();
  for (const term of [...byTerm.keys()].sort()) {
    const dir = feedDir(kind, term);
    const owner = owners.get(dir);
    // termSlug is one-to-one except for a 64-bit hash on very long terms; never overwrite silently.
    if (owner !== undefined) {
      throw new Error(`${kind} feeds: "${owner}" and "${term}" both map to ${dir}/. Fix: rename one of the two ${kind === 'category' ? 'categories' : 'tags'}.`);
    }
    owners.set(dir, term);
    specs.push({ kind, term, title: termFeedTitle(config, kind, term), dir, posts: byTerm.get(term) ?? [] });
  }
  return specs;
}

function termFeedTitle(config: Config, kind: 'category' | 'tag', term: string): string {
  if (isJapanese(config.site.language)) return `${config.site.title}（${kind === 'category' ? 'カテゴリー' : 'タグ'}: ${term}）`;
  return `${config.site.title} (${kind === 'category' ? 'category' : 'tag'}: ${term})`;
}

export function isJapanese(language: string): boolean {
  return /^ja(-|$)/i.test(language);
}
