import { describe, expect, it } from 'vitest';
import { decodeEntities, htmlToText, stripXmlInvalid } from '../../src/content/text.js';
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

  it('decodes an out-of-range numeric entity to U+FFFD', () => {
    expect(decodeEntities('&#xD800;&#1114112;')).toBe('\uFFFD\uFFFD');
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
});
