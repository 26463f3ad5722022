import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseConfig, type Config } from '../../src/config/load.js';
import type { ConfigInput } from '../../src/config/schema.js';
import { loadFull, loadPosts } from '../../src/content/load.js';
import type { Db } from '../../src/store/db.js';
import { addSubscriber } from '../../src/store/subscribers.js';

/** A Japanese site whose title needs escaping; retries immediate so tests never wait. */
export function digestConfig(extra: Partial<ConfigInput> = {}): Config {
  const base: ConfigInput = {
    site: { title: 'たより手帖 & Notes', url: 'https://news.example.com/', language: 'ja', author: 'たより編集部', timezone: 'Asia/Tokyo' },
    digest: { from: 'たより手帖 <digest@news.example.com>', lookback: 7 },
    mail: { connections: 3, retries: 2, retryDelay: 0.01 },
  };
  return parseConfig({ ...base, ...extra, site: { ...base.site, ...(extra.site ?? {}) }, digest: { ...base.digest, ...(extra.digest ?? {}) }, mail: { ...base.mail, ...(extra.mail ?? {}) } });
}

export function writePost(dir: string, name: string, front: Record<string, string>, body: string): void {
  mkdirSync(dir, { recursive: true });
  const lines = Object.entries(front).map(([k, v]) => `${k}: ${v}`);
  writeFileSync(path.join(dir, name), ['---', ...lines, '---', '', body].join('\n'));
}

/** Three posts in the week before 2026-11-16 09:00 JST, one older, one in the future, one draft. */
export function writeWeek(dir: string): void {
  writePost(dir, '2026-11-10-tools.md', { title: '"道具 <b>と</b> & 工夫"', date: '2026-11-10 10:00:00 +0900', categories: '[tech]' },
    '最初の段落は**抜粋**になります。\n\n<!--more-->\n\n本文の続きは抜粋に入らない SECRET-BODY。\n');
  writePost(dir, '2026-11-12-life.md', { title: '"週末の散歩"', date: '2026-11-12 18:30:00 +0900', categories: '[life]' },
    '公園を歩いた記録です。\n\n二段落目。\n');
  writePost(dir, '2026-11-14-both.md', { title: '"Feeds & mail"', date: '2026-11-14 08:00:00 +0900', categories: '[tech, life]', lang: 'en' },
    'An English excerpt about *feeds*.\n\n<!--more-->\n\nMore.\n');
  writePost(dir, '2026-10-01-old.md', { title: '"古い記事"', date: '2026-10-01 10:00:00 +0900' }, '先月の記事。\n');
  writePost(dir, '2026-12-01-future.md', { title: '"未来"', date: '2026-12-01 10:00:00 +0900' }, 'まだ。\n');
  writePost(dir, '2026-11-13-draft.md', { title: '"下書き"', date: '2026-11-13 10:00:00 +0900', published: 'false' }, '下書き。\n');
}

export const MONDAY = new Date('2026-11-16T09:00:00+09:00');

export function postsAt(dir: string, config: Config, now: Date) {
  return loadPosts(dir, config, now).posts;
}

export { loadFull };

export function addActive(db: Db, count: number, now: Date, prefix = 'reader', categories?: string[]): number[] {
  const ids: number[] = [];
  for (let i = 0; i < count; i++) {
    ids.push(addSubscriber(db, { email: `${prefix}${i}@example.org`, source: 'cli', status: 'active', categories }, now).subscriber.id);
  }
  return ids;
}
