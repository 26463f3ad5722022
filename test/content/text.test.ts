import { describe, expect, it } from 'vitest';
import { collapseWhitespace, decodeEntities, htmlToText, readingCounts, readingMinutesOfHtml, stripXmlInvalid } from '../../src/content/text.js';
import { absolutizeHtml, encodePathText, expandPermalink } from '../../src/content/urls.js';

describe('stripXmlInvalid', () => {
  it('removes C0 controls except tab/LF/CR, U+FFFE, U+FFFF and lone surrogates; keeps pairs', () => {
    const bad = [0, 1, 8, 0x0b, 0x0c, 0x0e, 0x1f].map((c) => String.fromCharCode(c)).join('');
    expect(stripXmlInvalid(`a${bad}\t\n\rb\uFFFE\uFFFFc`)).toBe('a\t\n\rbc');
    expect(stripXmlInvalid('x\uD800y\uDC00z')).toBe('xyz');
    expect(stripXmlInvalid('😀 \uD83D\uDE00')).toBe('😀 😀');
    expect(stripXmlInvalid('日本語 é')).toBe('日本語 é');
  });
});

describe('htmlToText', () => {
  it('strips tags, comments and scripts, decodes entities, collapses whitespace', () => {
    expect(htmlToText('<p>A &amp; B</p>\n<p>C&nbsp;&#x41;&#66; &hellip; &unknown;</p><!-- hidden --><script>x()</script>')).toBe('A & B C AB … &unknown;');
  });

  it('drops an unclosed style or script to the end, as a browser does: its CSS is never text', () => {
    expect(htmlToText('<p>Intro.</p><style>a { display: none; }\np { color: white; }')).toBe('Intro.');
    expect(htmlToText('<p>Intro.</p><SCRIPT>alert(1)</p><p>never')).toBe('Intro.');
  });

  it('decodes an out-of-range numeric entity to U+FFFD', () => {
    expect(decodeEntities('&#xD800;&#1114112;')).toBe('\uFFFD\uFFFD');
  });
});

describe('readingCounts', () => {
  /**
   * The definition, as the regular expressions readingCounts replaced, which ran on htmlToText's
   * output: whitespace collapsed first (so the ideographic space U+3000 was a space, not CJK).
   */
  const CJK = /[\u3000-\u303F\u3040-\u30FF\u31F0-\u31FF\u3400-\u4DBF\u4E00-\u9FFF\uF900-\uFAFF\uFF00-\uFFEF\uAC00-\uD7AF]|[\uD840-\uD87F][\uDC00-\uDFFF]/g;
  const reference = (raw: string) => {
    const text = collapseWhitespace(raw);
    return {
      cjk: text.match(CJK)?.length ?? 0,
      words: text
        .replace(CJK, ' ')
        .split(/\s+/)
        .filter((w) => /[\p{L}\p{N}]/u.test(w)).length,
    };
  };
  // Every kind of character the definition tells apart: ASCII and other letters and digits,
  // marks and symbols, each JavaScript whitespace, CJK in and out of the ranges, surrogate
  // pairs (emoji, a CJK ideograph, a math letter) and lone surrogates.
  const pieces = [
    'a', 'Z', '5', 'é', 'ß', '٣', '\u0301', '.', '-', '&', '@', '`', '[', '{',
    ' ', '\t', '\n', '\r', '\v', '\f', '\u00a0', '\u1680', '\u2000', '\u200a', '\u2028', '\u2029', '\u202f', '\u205f', '\u3000', '\ufeff', '\u200b',
    'あ', 'ア', '漢', '한', '、', '！', 'ｱ', '\u31f0', '\u2fff', '\uffef', '\ufff0',
    '🎉', '𠀋', '\uD835\uDC00', '\uD840', '\uDC00', '\uD87F', '\uDBFF',
  ];

  it('counts what the regular-expression definition counts, on 5,000 random strings', () => {
    let seed = 42;
    const next = (n: number) => {
      seed = (seed * 1664525 + 1013904223) >>> 0;
      return seed % n;
    };
    for (let k = 0; k < 5000; k++) {
      const text = Array.from({ length: next(30) }, () => pieces[next(pieces.length)]).join('');
      expect(readingCounts(text), JSON.stringify(text)).toEqual(reference(text));
    }
  });

  it('takes the ideographic space for a space, as the collapsed text did, raw or as an entity', () => {
    expect(readingCounts('a\u3000b')).toEqual({ cjk: 0, words: 2 });
    expect(readingCounts('\u3000今日は')).toEqual({ cjk: 3, words: 0 });
    // 200 words: one minute; counting each U+3000 as a character would make it two.
    expect(readingMinutesOfHtml(`<p>${'word\u3000'.repeat(100)}${'word&#12288;'.repeat(100)}</p>`)).toBe(1);
  });

  it('counts Japanese and English text of a post', () => {
    const text = '今週は配信の仕組みを見直しました。We measured the build again: 3 runs, 2 cores. 絵文字 🎉 も届きます。𠀋 ok';
    expect(readingCounts(text)).toEqual(reference(text));
    expect(readingCounts(text)).toEqual({ cjk: 27, words: 10 });
  });
});

describe('absolutizeHtml', () => {
  it('rewrites only attributes inside tags', () => {
    const base = 'https://e.example/p/';
    expect(absolutizeHtml('src="a.png" <img alt="src=b" src="b.png">', base)).toBe('src="a.png" <img alt="src=b" src="https://e.example/p/b.png">');
    expect(absolutizeHtml('<video poster="v.jpg"><source src="v.mp4"></video>', base)).toBe(
      '<video poster="https://e.example/p/v.jpg"><source src="https://e.example/p/v.mp4"></video>',
    );
  });
});

describe('permalinks', () => {
  it('encodes non-ASCII and spaces in pattern text but keeps existing escapes', () => {
    expect(encodePathText('/ブログ/a b/%E3%81%82/100%/')).toBe('/%E3%83%96%E3%83%AD%E3%82%B0/a%20b/%E3%81%82/100%25/');
  });

  it('keeps unknown placeholders as written', () => {
    expect(expandPermalink('/:year/:nope/:slug', { date: new Date('2026-01-01T00:00:00Z'), slug: 's', categories: [], timeZone: 'UTC' })).toBe('/2026/:nope/s');
  });

  it('makes a "/" inside a category a folder of :categories, as Jekyll does, and encodes the rest of each name', () => {
    const parts = { date: new Date('2025-12-02T01:00:00Z'), slug: 'cicd', categories: ['CI/CD', 'Dev Ops', 'ci/cd', 'メモ/'], timeZone: 'Asia/Tokyo' };
    expect(expandPermalink('/:categories/:year/:month/:day/:title/', parts)).toBe('/ci/cd/dev%20ops/%E3%83%A1%E3%83%A2/2025/12/02/cicd/');
    // The slug stays one segment: its "/" is encoded, and such a page is refused (content/page-files.ts).
    expect(expandPermalink('/:slug/', { ...parts, slug: 'a/b' })).toBe('/a%2Fb/');
  });
});
