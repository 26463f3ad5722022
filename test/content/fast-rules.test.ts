/**
 * The faster GFM rules (src/content/fast-rules.ts) must give exactly what marked's own rules
 * give: the same tokens and the same HTML, on real posts and on random Markdown made of the
 * pieces those rules look for.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Marked } from 'marked';
import { afterAll, describe, expect, it } from 'vitest';
import { generateCorpus } from '../../bench/corpus.js';
import { fastGfmTokenizer } from '../../src/content/fast-rules.js';
import { projectRoot, seedsDir, tempDir } from '../helpers/paths.js';

const stock = new Marked({ gfm: true, async: false });
const fast = new Marked({ gfm: true, async: false }).use({ tokenizer: fastGfmTokenizer() });

/** Differences between the two, as `[input, what differs]` pairs (empty when they agree). */
function differences(inputs: string[]): [string, string][] {
  const found: [string, string][] = [];
  for (const input of inputs) {
    const tokens = [stock, fast].map((m) => JSON.stringify(m.lexer(input)));
    const html = [stock, fast].map((m) => m.parse(input) as string);
    const inline = [stock, fast].map((m) => m.parseInline(input) as string);
    if (tokens[0] !== tokens[1]) found.push([input, 'tokens']);
    else if (html[0] !== html[1]) found.push([input, 'html']);
    else if (inline[0] !== inline[1]) found.push([input, 'inline html']);
  }
  return found;
}

const bodyOf = (text: string): string => text.replace(/^---\n[\s\S]*?\n---\n/, '');

/** Pieces the rules react to: the ASCII that ends a text run, e-mail and URL starts, line ends, blocks. */
const PIECES = [
  '日本語', 'の', '。', '、', '🎉', '\uD83D', '\u3000', '\u00A0', '\uFEFF', 'é',
  'a', 'e', 'h', 'H', 'f', 'F', 'w', 'W', 'm', 'x', 'Z', '0', '9',
  'http', 'HTTP', 'https://a.b/c', 'ftp://x.y', 'FTP://', 'www.', 'www.example.com', 'mailto:', 'xmpp:',
  'mailto:a@b.cd', 'a@b.co', 'x_y@ex.com', '@', '.', '_', '__', '*', '**', '~', '~~', '`', '``', '\\',
  '<', '>', '<a href="x">', '</a>', '<br>', '!', '[', ']', '(', ')', '[t](u)', '![i](p.png)', '[r]', '\n[r]: /u\n',
  ' ', '  ', '  \n', '   \n', '\n', '\n\n', '\t', '\r', '\r\n', '\u2028', '\u2029', '\u0000',
  '=', '===', '-', '---', '\n===', '\n  ---', '\n   -', '|', '|-', ':-:', '\n|', '\n :-', '| a | b |', '| --- | :-: |',
  'a | b\n--|--\n1 | 2', 'Setext\n===\n', ':', '#', '## ', '\n# h', '> ', '\n> q', '- ', '\n- x', '1. ', '```', '    ',
  '&', '&amp;', '&#123;', '&#x41;', "'", '"', '%', '+', '/', '?', '{', '}', '$', '^',
];

/** Words and what may follow them, for runs of English text (where the rule steps word by word). */
const WORDS = [
  'word', 'hello', 'fetch', 'with', 'www', 'wwww', 'w', 'ftp', 'FTP', 'http', 'htt', 'HtTp', 'https', 'mailto', 'xmpp', 'x', 'm',
  'A', 'Z9', '12', 'post’s', 'abc-d', 'ab_cd', 'a.b', 'x@y', 'x@y.z', 'mailto:a@b.cd', 'xmpp:me@ex.org', 'www.example.com',
  'http://a.b', 'ftp://c.d', '(paren)', '*em*', '_u_', '~s~', '`c`', '日本語', '🎉', 'é',
];
const SEPARATORS = [' ', ' ', ' ', '  ', '  \n', '\n', '', ':', '.', ',', '@', '. ', '、', '\n\n'];

/** Deterministic random Markdown (a fixed seed, so a failure repeats): pieces at random, or English-like runs. */
function randomMarkdown(count: number, seed: number): string[] {
  let state = seed;
  const next = (): number => {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    return state / 0x80000000;
  };
  const pick = <T>(list: T[]): T => list[Math.floor(next() * list.length)]!;
  const docs: string[] = [];
  for (let i = 0; i < count; i++) {
    const length = 1 + Math.floor(next() * (next() < 0.1 ? 200 : 30));
    let doc = '';
    if (i % 2 === 0) for (let k = 0; k < length; k++) doc += pick(PIECES);
    else for (let k = 0; k < length; k++) doc += pick(WORDS) + pick(SEPARATORS);
    docs.push(doc);
  }
  return docs;
}

describe('fast GFM rules', () => {
  it('are in use with the installed marked (else marked 18 was upgraded: analyse its rules again)', () => {
    expect(Object.keys(fastGfmTokenizer()).sort()).toEqual(['inlineText', 'lheading', 'table']);
  });

  it('give the same tokens and HTML for tricky inline text', () => {
    const tricky = [
      'メールは a@b.co まで、または mailto:info@example.jp へ。xmpp:me@example.org も。',
      '日本語の文章https://example.com/パスと http://a.b と HTTP://C.D と ftp://f.g/ と www.example.com。',
      'wwwの前: 日本語www.example.com、(www.example.com) と *www.example.com*',
      'snake_case と _強調_ と __太字__ と ~取り消し~ と ~~二重~~ と `コード` と ``二重``',
      '行末に二つの空白  \n次の行。行末に三つ   \n全角の空白　\n',
      'エスケープ \\* と \\_ と <span>タグ</span> と <!-- コメント --> と &amp; と &#x41; と &#12354;',
      '[リンク](https://example.com/ "題") と ![画像](a.png) と [参照][r] と ! と [ と ]\n\n[r]: /r',
      'ASCII word then 日本語; user.name+tag@sub.example.co.jp; 12345@example.com; a.b@c',
      'write to mailto:a@b.cd or xmpp:me@example.org or to someone@example.com today',
      'see www.example.com and http://example.com or https://example.com/path and ftp://files.example.com now',
      'the word fetch with hyphen-ated and under_score words end here  \nnext line with  two spaces',
      'hhttp と Hhttps://x.y と fftp://z と wwww.example.com と mailto:a@b と xmpp:c@d/res',
      'Setext 見出し\n===\n\n二つ目\n---\n\n| 表 | です |\n| --- | :-: |\n| a | b |\n\n表ではない\n| --- |',
      'ダッシュ\n- 箇条書き\n\n段落\n   ---\n\n段落\u2028続き\n===',
    ];
    expect(differences(tricky)).toEqual([]);
  });

  it('give the same tokens and HTML for the sample posts and the seeds', () => {
    const dirs = [path.join(projectRoot, 'posts'), seedsDir].filter((dir) => existsSync(dir));
    const bodies = dirs.flatMap((dir) => readdirSync(dir).map((name) => bodyOf(readFileSync(path.join(dir, name), 'utf8'))));
    expect(bodies.length).toBeGreaterThanOrEqual(10);
    expect(differences(bodies)).toEqual([]);
  });

  const corpus = tempDir('tayori-fast-rules-');
  afterAll(() => corpus.cleanup());
  it('give the same tokens and HTML for benchmark-corpus posts', () => {
    generateCorpus(corpus.dir, 40);
    const bodies = readdirSync(corpus.dir).map((name) => bodyOf(readFileSync(path.join(corpus.dir, name), 'utf8')));
    expect(differences(bodies)).toEqual([]);
  });

  it('give the same tokens and HTML for random Markdown made of the pieces the rules look for', () => {
    expect(differences(randomMarkdown(8000, 1))).toEqual([]);
  });
});
