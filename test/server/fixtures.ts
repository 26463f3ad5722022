import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseConfig, type Config } from '../../src/config/load.js';
import type { ConfigInput } from '../../src/config/schema.js';

/** A small site config for server and page tests; `url` is usually the test server itself. */
export function siteConfig(url = 'https://example.com/', extra: Partial<ConfigInput> = {}): Config {
  return parseConfig({
    site: { title: 'たより手帖 & Notes', description: '小さな記録 <small>', url, language: 'ja', author: 'たより編集部', timezone: 'Asia/Tokyo' },
    digest: { schedule: '0 9 * * 1', catchUp: 24, from: 'Tayori <news@example.com>' },
    ...extra,
  });
}

/** Writes a few posts: Japanese, English with markup in the title, one with a non-ASCII slug, one future-dated. */
export function writePosts(dir: string): void {
  mkdirSync(dir, { recursive: true });
  const post = (name: string, text: string) => writeFileSync(path.join(dir, name), text);
  post(
    '2026-11-02-hello.md',
    '---\ntitle: "はじめての投稿"\ndate: 2026-11-02 10:00:00 +0900\ncategories: [お知らせ]\ntags: [tayori, Node.js]\n---\n\nこんにちは、世界。日本語の本文です。\n\n<!--more-->\n\n続きの段落。\n',
  );
  post(
    '2026-11-09-ampersand.md',
    '---\ntitle: "Tom & Jerry <script>alert(1)</script>"\ndate: 2026-11-09 10:00:00 +0900\nlang: en\ntags: [cartoons]\n---\n\nAn English post with **bold** text and a [link](/about/).\n',
  );
  post(
    '2026-11-16-日本語スラッグ.md',
    '---\ntitle: "スラッグも日本語"\ndate: 2026-11-16 10:00:00 +0900\n---\n\n日本語のスラッグのページ。\n',
  );
  post(
    '2027-01-01-future.md',
    '---\ntitle: "未来の投稿"\ndate: 2027-01-01 00:00:00 +0900\n---\n\nまだ公開されない。\n',
  );
}
