import { describe, expect, it } from 'vitest';
import type { Post } from '../../src/content/post.js';
import { postsForCategories, selectDigestPosts, variantKey } from '../../src/digest/select.js';

const now = new Date('2026-11-16T00:00:00Z');
function post(id: string, iso: string, categories: string[] = []): Post {
  return {
    id, file: `${id}.md`, absolutePath: `/x/${id}.md`, slug: id, title: id, date: new Date(iso), updated: new Date(iso),
    author: { name: 'a' }, categories, tags: [], path: `/${id}/`, url: `https://e.com/${id}/`, bodyOffset: 0,
  };
}
const posts = [post('future', '2026-11-20T00:00:00Z'), post('new', '2026-11-14T00:00:00Z', ['Tech']), post('mid', '2026-11-10T00:00:00Z', ['life']), post('old', '2026-10-01T00:00:00Z')];

describe('selectDigestPosts', () => {
  it('first digest: only the lookback window, never the future, newest first', () => {
    const chosen = selectDigestPosts({ posts, now, sent: new Set(), lookbackDays: 7 });
    expect(chosen.map((p) => p.id)).toEqual(['new', 'mid']);
  });

  it('leaves out posts an earlier digest sent', () => {
    const chosen = selectDigestPosts({ posts, now, sent: new Set(['new']), lookbackDays: 7 });
    expect(chosen.map((p) => p.id)).toEqual(['mid']);
  });

  it('a back-dated post after the ledger epoch still goes out; one before it never does', () => {
    const late = post('late', '2026-11-02T00:00:00Z');
    const chosen = selectDigestPosts({ posts: [...posts, late], now, sent: new Set(['new', 'mid']), epoch: new Date('2026-11-01T00:00:00Z'), lookbackDays: 7 });
    expect(chosen.map((p) => p.id)).toEqual(['late']);
  });
});

describe('postsForCategories', () => {
  it('empty selection means everything; otherwise any matching category, case-insensitively', () => {
    expect(postsForCategories(posts, []).length).toBe(4);
    expect(postsForCategories(posts, ['tech']).map((p) => p.id)).toEqual(['new']);
    expect(postsForCategories(posts, ['LIFE', 'tech']).map((p) => p.id)).toEqual(['new', 'mid']);
    expect(postsForCategories(posts, ['cooking'])).toEqual([]);
  });

  it('selections that pick the same posts share a variant key', () => {
    expect(variantKey(postsForCategories(posts, ['tech']))).toBe(variantKey(postsForCategories(posts, ['Tech', 'nothing'])));
    expect(variantKey(postsForCategories(posts, ['tech']))).not.toBe(variantKey(postsForCategories(posts, ['life'])));
  });
});
