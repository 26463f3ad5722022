import type { Post } from '../content/post.js';

/**
 * Which posts go in a digest. Pure: the store's facts (what was sent, when the ledger began)
 * come in as arguments.
 */
export interface SelectionInput {
  /** Published posts, newest first (drafts are never in this list). */
  posts: readonly Post[];
  now: Date;
  /** Ids that an earlier digest already holds. */
  sent: ReadonlySet<string>;
  /** Start of the first digest's period; undefined before the first digest. */
  epoch?: Date;
  /** digest.lookback, in days: how far back the very first digest looks. */
  lookbackDays: number;
}

export function lookbackStart(now: Date, lookbackDays: number): Date {
  return new Date(now.getTime() - lookbackDays * 86_400_000);
}

/**
 * Posts that no digest has sent, published by `now`, and not older than the ledger's epoch. A
 * post added late with an older date still goes out (once) in the next digest; posts from before
 * the first digest never do, so installing tayori on an old blog mails only the last week.
 */
export function selectDigestPosts(input: SelectionInput): Post[] {
  const floor = (input.epoch ?? lookbackStart(input.now, input.lookbackDays)).getTime();
  const nowMs = input.now.getTime();
  return input.posts
    .filter((p) => !input.sent.has(p.id) && p.date.getTime() <= nowMs && p.date.getTime() >= floor)
    .sort((a, b) => b.date.getTime() - a.date.getTime());
}

/** A subscriber's share: every post when `categories` is empty, else posts in any of them (case-insensitive). */
export function postsForCategories<P extends Post>(posts: readonly P[], categories: readonly string[]): P[] {
  if (categories.length === 0) return [...posts];
  const wanted = new Set(categories.map((c) => c.trim().toLowerCase()));
  return posts.filter((p) => p.categories.some((c) => wanted.has(c.trim().toLowerCase())));
}

/** Subscribers whose selections pick the same posts share one rendering; this is its key. */
export function variantKey(posts: readonly Post[]): string {
  return posts.map((p) => p.id).join('\n');
}
