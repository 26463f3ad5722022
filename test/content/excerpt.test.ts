import { describe, expect, it } from 'vitest';
import { safeExcerpt } from '../../src/content/excerpt.js';
import { renderMarkdown } from '../../src/content/markdown.js';

const md = (source: string) => renderMarkdown(source, 'https://example.com/2026/11/16/post/').trim();

describe('safeExcerpt: the excerpt the digest and the front page show', () => {
  it('leaves ordinary Markdown output as it is', () => {
    for (const source of [
      'A paragraph with **strong**, *em*, ~~del~~, `code` and a [link](https://example.org/a?b=1&c=2).',
      '日本語の段落です。[相対リンク](../other/)と![画像](images/a.png)。',
      '- one\n- two\n\n3. three\n4. four',
      '> quoted\n> text',
      '## A heading\n\ntext',
      '| a | b |\n|:-:|--:|\n| 1 | 2 |',
      'Write to [us](mailto:news@example.com).',
      '<ruby>漢字<rt>かんじ</rt></ruby> and <abbr title="HyperText">HTML</abbr>',
    ]) {
      const html = md(source);
      expect(safeExcerpt(html).html, source).toBe(html.replace(/<img ([^>]*)>/g, '<img $1 />'));
    }
  });

  it('keeps code blocks and images, without their classes', () => {
    expect(safeExcerpt(md('```js\nif (a < b) {}\n```')).html).toBe('<pre><code>if (a &lt; b) {}\n</code></pre>');
    expect(safeExcerpt('<p><img src="https://example.org/a.png" alt="a" width="10" height="20" class="wide" loading="lazy" srcset="b.png 2x"></p>').html).toBe(
      '<p><img src="https://example.org/a.png" alt="a" width="10" height="20" /></p>',
    );
  });

  it('drops style, script, frames, objects, forms and SVG with what they hold', () => {
    const { html, text } = safeExcerpt(
      '<style>a{display:none}</style><script>alert(1)</script><iframe src="https://x.example/">FRAME</iframe>' +
        '<object data="x.swf"><p>OBJECT</p></object><embed src="y"><form action="https://x.example/"><p>FORM</p><input name="q"><button>GO</button></form>' +
        '<svg><style>p{color:red}</style><text>SVG</text></svg><noscript>NOSCRIPT</noscript><template><p>TEMPLATE</p></template>' +
        '<link rel="stylesheet" href="https://x.example/s.css"><meta http-equiv="refresh" content="0"><base href="https://x.example/"><p>kept</p>',
    );
    expect(html).toBe('<p>kept</p>');
    expect(text).toBe('kept');
  });

  it('an unclosed <style> takes the rest of the excerpt with it, as a browser would: no CSS text anywhere', () => {
    expect(safeExcerpt('<p>before</p><style>a { display: none }\n<p>after</p>')).toEqual({ html: '<p>before</p>', text: 'before' });
  });

  it('removes event handlers, style, class and id attributes; links keep only http, https and mailto', () => {
    const { html } = safeExcerpt(
      '<p class="footer" id="unsubscribe" style="color:red" onclick="x()" data-x="1">' +
        '<a href="javascript:alert(1)" onmouseover="x()">js</a> <a href="JaVaScRiPt&#58;alert(1)">js2</a> <a href="java&#x09;script:alert(1)">js3</a> ' +
        '<a href="data:text/html,hi">data</a> <a href="vbscript:x">vb</a> <a href="ftp://x.example/">ftp</a> ' +
        '<a href="https://ok.example/" target="_blank" title="t">ok</a> <a href="//cdn.example/x">scheme-relative</a> ' +
        '<img src="data:image/png;base64,AAAA" alt="inline"><img src="javascript:alert(1)"><img src="https://ok.example/i.png" onerror="x()" alt="">' +
        '</p>',
    );
    expect(html).toBe(
      '<p><a>js</a> <a>js2</a> <a>js3</a> <a>data</a> <a>vb</a> <a>ftp</a> ' +
        '<a href="https://ok.example/" title="t">ok</a> <a href="https://cdn.example/x">scheme-relative</a> ' +
        '<img src="https://ok.example/i.png" alt="" /></p>',
    );
  });

  it('the text is that of the safe HTML (a frame\'s fallback text does not come back in the plain text)', () => {
    expect(safeExcerpt('<p>a &amp; b</p><iframe>fallback</iframe><p>c</p>').text).toBe('a & b c');
    expect(safeExcerpt('')).toEqual({ html: '', text: '' });
  });
});
