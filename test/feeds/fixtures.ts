import { configSchema, type Config, type ConfigInput } from '../../src/config/schema.js';
import type { FullPost } from '../../src/content/post.js';

/**
 * FullPost objects built by hand, so these tests don't depend on the post loader. Each one
 * carries something that has broken feeds elsewhere.
 */
export function testConfig(overrides: { site?: Partial<ConfigInput['site']>; feeds?: Partial<NonNullable<ConfigInput['feeds']>> } = {}): Config {
  return configSchema.parse({
    site: {
      title: 'たより手帖 & <Notes>',
      description: '開発記録 — notes about feeds & mail',
      url: 'https://tayori.example.com/',
      language: 'ja',
      author: { name: 'たより編集部' },
      ...overrides.site,
    },
    feeds: { items: 20, fullContent: true, perCategory: true, perTag: true, ...overrides.feeds },
  });
}

export interface PostInput {
  file: string;
  title: string;
  date: string;
  updated?: string;
  categories?: string[];
  tags?: string[];
  html?: string;
  excerptHtml?: string;
  excerptText?: string;
  author?: string;
  lang?: string;
}

export function makePost(input: PostInput, siteUrl = 'https://tayori.example.com/'): FullPost {
  const date = new Date(input.date);
  const day = input.date.slice(0, 10);
  const slug = input.file.replace(/^.*\//, '').replace(/\.md$/, '').replace(/^\d{4}-\d{2}-\d{2}-/, '');
  const postPath = `/${day.replace(/-/g, '/')}/${encodeURIComponent(slug)}/`;
  const host = new URL(siteUrl).hostname; // as tagUri: no port in a tag URI
  return {
    id: `tag:${host},${day}:${input.file.replace(/\.md$/, '')}`,
    file: input.file,
    absolutePath: `/nonexistent/posts/${input.file}`,
    slug,
    title: input.title,
    date,
    updated: input.updated ? new Date(input.updated) : date,
    author: { name: input.author ?? 'たより編集部' },
    categories: input.categories ?? [],
    tags: input.tags ?? [],
    path: postPath,
    url: new URL(postPath, siteUrl).href,
    bodyOffset: 0,
    ...(input.lang ? { lang: input.lang } : {}),
    html: input.html ?? `<p>${escapeHtml(input.title)}</p>`,
    excerptHtml: input.excerptHtml ?? '<p>要約です。</p>',
    excerptText: input.excerptText ?? '要約です。',
    readingTime: 1,
  };
}

/** A small corpus with every troublemaker; newest first. */
export function corpus(): FullPost[] {
  return [
    makePost({
      file: '2026-11-20-cdata.md',
      title: 'CDATA の罠 ]]> と <script> & 「閉じない括弧',
      date: '2026-11-20T09:00:00+09:00',
      updated: '2026-11-21T10:30:00+09:00',
      categories: ['技術'],
      tags: ['XML', 'フィード'],
      html: '<p>本文 &amp; more</p>\n<!-- a comment with ]]> inside -->\n<pre><code>if (a[b[0]]&gt;1) { x = "]]&gt;"; }</code></pre>\n<p>次の行 ]]&gt; end</p>',
      excerptHtml: '<p>本文 &amp; more ]]&gt;</p>',
      excerptText: '本文 & more ]]>',
    }),
    makePost({
      file: '2026-11-18-emoji.md',
      title: 'Emoji 🎉📮 and a control\u0001char\u000b and lone \ud800 surrogate',
      date: '2026-11-18T12:00:00Z',
      categories: ['日記'],
      tags: ['emoji', 'フィード'],
      html: '<p>Party 🎉 time\u0000\u0008 with a bell\u0007 and \ufffe noise</p>',
      excerptHtml: '<p>Party 🎉\u001f</p>',
      excerptText: 'Party 🎉\u001f',
      author: 'Hanako & Taro <team>',
    }),
    makePost({
      file: '2026-11-15-image.md',
      title: '画像の相対パス',
      date: '2026-11-15T08:00:00+09:00',
      categories: ['技術'],
      tags: ['images'],
      html: '<p><img src="https://tayori.example.com/2026/11/15/image/cat.png" alt="猫"></p>\n<p><a href="https://tayori.example.com/about/">about</a></p>',
    }),
    makePost({
      file: 'en/2026-11-10-english.md',
      title: 'An English post about "quotes" & <tags>',
      date: '2026-11-10T00:00:00Z',
      categories: ['Tech Notes'],
      tags: ['Node.js', 'node-js'],
      lang: 'en',
      excerptHtml: '<p>English excerpt.</p>',
      excerptText: 'English excerpt.',
    }),
  ];
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
