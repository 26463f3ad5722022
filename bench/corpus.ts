/**
 * Generates N posts in the shape of the real posts in ../shared/seeds: Jekyll front matter with
 * a `2025-12-17 20:38:36 +0000` string date, Japanese categories and tags, a Markdown excerpt,
 * reading_time, and Japanese bodies of 5–60 KB. The text is made here from a small phrase
 * list (no seed text is copied). Deterministic: the same N gives the same files.
 *
 * `plain`: the same posts without `excerpt` and `reading_time`, as most Jekyll posts are
 * written: tayori then takes the first paragraph as the excerpt and computes the reading time.
 */
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const PHRASES = [
  '今週は配信の仕組みを見直しました。',
  'フィードリーダーで読むと、見出しと日付がきちんと並びます。',
  '小さなチームでも、毎週のお知らせは続けられます。',
  'メールの本文は抜粋だけにして、続きはサイトで読んでもらいます。',
  'タイムゾーンを間違えると、朝の投稿が前日の日付になってしまいます。',
  '絵文字 🎉 や記号 & も、そのまま届くことを確かめました。',
  'We measured the build again and wrote the numbers down.',
  '購読の解除は一度のクリックで終わるべきです。',
  '古い記事の本文まで読み込む必要はありません。',
  'A feed needs every post’s date but only the newest bodies.',
];
const CATEGORIES = ['開発日誌', 'お知らせ', '技術メモ', 'Engineering', '運用'];
const TAGS = ['RSS', 'Atom', 'メール', 'TypeScript', 'SQLite', '配信', 'ニュースレター', 'JSON Feed', '設計', '計測'];

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

export function generateCorpus(dir: string, count: number, { plain = false } = {}): { bytes: number } {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const random = rng(count);
  const start = Date.UTC(2020, 0, 1);
  let bytes = 0;
  for (let i = 0; i < count; i++) {
    // Spread over about six years, roughly one post every few hours.
    const when = new Date(start + Math.floor((i / count) * 6 * 365 * 86_400_000) + Math.floor(random() * 3_600_000));
    const date = `${when.getUTCFullYear()}-${pad(when.getUTCMonth() + 1)}-${pad(when.getUTCDate())} ${pad(when.getUTCHours())}:${pad(when.getUTCMinutes())}:${pad(when.getUTCSeconds())} +0000`;
    const category = CATEGORIES[i % CATEGORIES.length]!;
    const tags = [TAGS[i % TAGS.length]!, TAGS[(i * 7 + 3) % TAGS.length]!].filter((t, k, a) => a.indexOf(t) === k);
    const target = 5_000 + Math.floor(random() * 55_000);
    const paragraphs: string[] = [];
    let size = 0;
    let p = 0;
    while (size < target) {
      const sentences: string[] = [];
      for (let k = 0; k < 6; k++) sentences.push(PHRASES[Math.floor(random() * PHRASES.length)]!);
      const paragraph = p % 7 === 3 ? `## 第${p}節 ${category}について` : sentences.join('');
      paragraphs.push(paragraph);
      size += Buffer.byteLength(paragraph) + 2;
      p++;
    }
    const text = [
      '---',
      'layout: post',
      `title: "記事 ${i + 1}：${category}の記録「${TAGS[i % TAGS.length]}」"`,
      `date: ${date}`,
      `categories: ["${category}"]`,
      `tags: [${tags.map((t) => `"${t}"`).join(', ')}]`,
      'author: "ベンチ編集部"',
      ...(plain ? [] : [`excerpt: "**記事 ${i + 1}** の要点を短くまとめます。"`, `reading_time: ${Math.max(1, Math.round(target / 1500))}`]),
      '---',
      '',
      paragraphs.join('\n\n'),
      '',
    ].join('\n');
    const name = `post-${String(i).padStart(6, '0')}.md`;
    writeFileSync(path.join(dir, name), text);
    bytes += Buffer.byteLength(text);
  }
  return { bytes };
}

/** The corpus in `dir`, generated unless a previous run left it; `bytes` is NaN when reused. */
export function ensureCorpus(dir: string, count: number, options: { plain?: boolean } = {}): { bytes: number } {
  if (existsSync(path.join(dir, `post-${String(count - 1).padStart(6, '0')}.md`))) return { bytes: Number.NaN };
  return generateCorpus(dir, count, options);
}
