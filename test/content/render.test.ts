import { describe, expect, it } from 'vitest';
import { parsePostHead, renderPostContent } from '../../src/content/parse.js';
import type { Post } from '../../src/content/post.js';
import { CJK_CHARS_PER_MINUTE, WORDS_PER_MINUTE } from '../../src/content/text.js';
import { testConfig } from './support.js';

const config = testConfig();

function makePost(...front: string[]): Post {
  const entry = parsePostHead(['---', 'date: 2026-11-02 10:00:00 +0000', ...front, '---', ''].join('\n'), { file: '2026-11-02-post.md', absolutePath: '/p/2026-11-02-post.md' }, config);
  if (!entry.ok) throw new Error(entry.problem.message);
  return entry.post;
}
const base = 'https://example.com/2026/11/02/post/';

describe('relative links and images', () => {
  it('makes Markdown links and images absolute against the post URL', () => {
    const { html } = renderPostContent(makePost(), '[a](other/) [b](../up.html) [c](/root.html) ![i](img/p.png "t")\n', config);
    expect(html).toContain(`href="${base}other/"`);
    expect(html).toContain('href="https://example.com/2026/11/02/up.html"');
    expect(html).toContain('href="https://example.com/root.html"');
    expect(html).toContain(`src="${base}img/p.png"`);
  });

  it('makes raw HTML a href, img src and srcset absolute', () => {
    const body = '<p><a href="x.html">x</a> <img src=\'a.png\' srcset="a.png 1x, b.png 2x"></p>\n\ntext <a class="k" href=y.html>y</a>\n';
    const { html } = renderPostContent(makePost(), body, config);
    expect(html).toContain(`<a href="${base}x.html">`);
    expect(html).toContain(`src='${base}a.png'`);
    expect(html).toContain(`srcset="${base}a.png 1x, ${base}b.png 2x"`);
    expect(html).toContain(`<a class="k" href="${base}y.html">`);
  });

  it('leaves fragments, mailto:, absolute and protocol-relative URLs alone', () => {
    const body = '[f](#part) [m](mailto:a@example.com) [h](https://other.example/x) [p](//cdn.example/x.png) <a href="#top">t</a> <img src="data:image/png;base64,AAAA">\n';
    const { html } = renderPostContent(makePost(), body, config);
    expect(html).toContain('href="#part"');
    expect(html).toContain('href="mailto:a@example.com"');
    expect(html).toContain('href="https://other.example/x"');
    expect(html).toContain('href="//cdn.example/x.png"');
    expect(html).toContain('href="#top"');
    expect(html).toContain('src="data:image/png;base64,AAAA"');
  });

  it('does not touch HTML shown as code', () => {
    const { html } = renderPostContent(makePost(), 'Use `<a href="x">` like this.\n\n    <img src="y.png">\n', config);
    expect(html).toContain('&lt;a href=&quot;x&quot;&gt;');
    expect(html).toContain('&lt;img src=&quot;y.png&quot;&gt;');
  });

  it('makes reference-style links absolute', () => {
    const { html } = renderPostContent(makePost(), 'See [the notes][n].\n\n[n]: notes/index.html\n', config);
    expect(html).toContain(`href="${base}notes/index.html"`);
  });

  it('makes links in the excerpt absolute too', () => {
    const post = makePost('excerpt: "See [the guide](guides/import/)."');
    const { excerptHtml } = renderPostContent(post, 'body\n', config);
    expect(excerptHtml).toBe(`<p>See <a href="${base}guides/import/">the guide</a>.</p>`);
  });
});

describe('attributes rewritten in tags only', () => {
  it('reads each attribute whole: an href= or a > inside another quoted value is that value, not a link', async () => {
    const { absolutizeFragments, absolutizeHtml } = await import('../../src/content/urls.js');
    const page = "https://example.com/it's/";
    expect(absolutizeFragments(`<p><a title="see href='#z'" href="#sec">x</a></p>`, page)).toBe(`<p><a title="see href='#z'" href="https://example.com/it's/#sec">x</a></p>`);
    expect(absolutizeFragments(`<p><a title="1 > 0" href='#sec'>x</a></p>`, page)).toBe(`<p><a title="1 > 0" href="https://example.com/it's/#sec">x</a></p>`);
    expect(absolutizeFragments('<pre><code>&lt;a href="#x"&gt;</code></pre>', page)).toBe('<pre><code>&lt;a href="#x"&gt;</code></pre>');
    expect(absolutizeHtml(`<img alt="src='a.png'" src=b.png />`, base)).toBe(`<img alt="src='a.png'" src="${base}b.png" />`);
    expect(absolutizeHtml('<a data-note="1 > 0" href="c/">c</a>', base)).toBe(`<a data-note="1 > 0" href="${base}c/">c</a>`);
  });
});

describe('excerpt', () => {
  it('renders a front-matter excerpt as Markdown, and gives plain text', () => {
    const c = renderPostContent(makePost('excerpt: "**Amazon** &amp; <b>chips</b> について"'), 'First paragraph.\n', config);
    expect(c.excerptHtml).toBe('<p><strong>Amazon</strong> &amp; <b>chips</b> について</p>');
    expect(c.excerptText).toBe('Amazon & chips について');
  });

  it('takes the text before <!--more--> when there is no excerpt key', () => {
    const c = renderPostContent(makePost(), 'One *a*.\n\nTwo.\n\n<!--more-->\n\nThree.\n', config);
    expect(c.excerptHtml).toBe('<p>One <em>a</em>.</p>\n<p>Two.</p>');
    expect(c.excerptText).toBe('One a. Two.');
  });

  it('honours excerpt_separator from front matter', () => {
    const c = renderPostContent(makePost('excerpt_separator: "<!-- cut -->"'), 'A.\n\nB.\n<!-- cut -->\nC.\n\n<!--more-->\n', config);
    expect(c.excerptText).toBe('A. B.');
  });

  it('resolves reference-style links in a cut excerpt with the body\'s definitions, as Jekyll does', () => {
    const body = 'See [the docs][docs] and [Ref].\n\nSecond.\n\n<!--more-->\n\n[docs]: /docs/\n  [ref]: notes/ "Notes"\n';
    const cut = renderPostContent(makePost(), body, config);
    expect(cut.excerptHtml).toBe('<p>See <a href="https://example.com/docs/">the docs</a> and <a href="' + base + 'notes/" title="Notes">Ref</a>.</p>\n<p>Second.</p>');
    const first = renderPostContent(makePost(), body.replace('<!--more-->\n\n', ''), config);
    expect(first.excerptHtml).toBe('<p>See <a href="https://example.com/docs/">the docs</a> and <a href="' + base + 'notes/" title="Notes">Ref</a>.</p>');
    expect(first.excerptText).toBe('See the docs and Ref.');
  });

  it('adds only real link definitions to an excerpt: not lines in code, not look-alikes marked reads as text', () => {
    const body = 'A crash in the [parser][p].\n\n```\n[server]: listening on 8080\n```\n\n- [v1.2]: Fixed the login bug.\n\n[p]: https://example.org/parser "The <parser> \\"docs\\""\n';
    const c = renderPostContent(makePost(), body, config);
    expect(c.excerptText).toBe('A crash in the parser.');
    expect(c.excerptHtml).toBe('<p>A crash in the <a href="https://example.org/parser" title="The &lt;parser&gt; &quot;docs&quot;">parser</a>.</p>');
  });

  it('uses the first block when the body has no paragraph', () => {
    const c = renderPostContent(makePost(), '# Only a list\n\n- one\n- two\n', config);
    expect(c.excerptText).toBe('one two');
  });

  it('falls back to the first paragraph, passing over a leading heading', () => {
    const c = renderPostContent(makePost(), '# Title\n\nFirst &amp; only   paragraph\nstill first.\n\nSecond.\n', config);
    expect(c.excerptHtml).toBe('<p>First &amp; only   paragraph\nstill first.</p>');
    expect(c.excerptText).toBe('First & only paragraph still first.');
  });
});

describe('reading time', () => {
  it('uses reading_time from front matter when given', () => {
    expect(renderPostContent(makePost('reading_time: 8'), 'short\n', config).readingTime).toBe(8);
  });

  it(`counts Japanese by characters (${CJK_CHARS_PER_MINUTE}/min) and English by words (${WORDS_PER_MINUTE}/min), at least 1`, () => {
    const japanese = 'あ'.repeat(1200); // 2.4 min → 3
    expect(renderPostContent(makePost(), `${japanese}\n`, config).readingTime).toBe(3);
    const english = Array.from({ length: 450 }, () => 'word').join(' '); // 2.25 min → 3
    expect(renderPostContent(makePost(), `${english}\n`, config).readingTime).toBe(3);
    const mixed = `${'漢'.repeat(500)} ${Array.from({ length: 200 }, () => 'word').join(' ')}`; // 1 + 1
    expect(renderPostContent(makePost(), `${mixed}\n`, config).readingTime).toBe(2);
    expect(renderPostContent(makePost(), 'hi\n', config).readingTime).toBe(1);
  });
});

describe('robustness', () => {
  it('removes XML-invalid characters from html and excerpts', () => {
    const c = renderPostContent(makePost('excerpt: "ex\\u0007cerpt"'), 'a\u0000b\u000Cc \uFFFF d\uD800e 😀\n', config);
    expect(c.html).toBe('<p>abc  de 😀</p>\n');
    expect(c.excerptText).toBe('excerpt');
  });

  it('renders CRLF and a BOM the same as LF', () => {
    const lf = renderPostContent(makePost(), 'A\nB\n\n<!--more-->\n\n```\ncode\n```\n', config);
    const crlf = renderPostContent(makePost(), '\uFEFFA\r\nB\r\n\r\n<!--more-->\r\n\r\n```\r\ncode\r\n```', config);
    expect(crlf).toEqual(lf);
  });

  it('keeps ---END--- lines in the body as text', () => {
    const { html } = renderPostContent(makePost(), 'Before.\n\n---END---\n\nAfter.\n', config);
    expect(html).toBe('<p>Before.</p>\n<p>---END---</p>\n<p>After.</p>\n');
  });
});
