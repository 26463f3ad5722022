/**
 * PageRenderer renders the parts of a template that read only page-independent values once per
 * `root` (engine.ts). Whatever the template, a page must come out exactly as LiquidJS renders the
 * template whole; these tests render pages both ways and compare.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { builtinTemplatesDir, pageEngine, PageRenderer, type SharedPageValues } from '../../src/pages/engine.js';
import { pageText } from '../../src/pages/text.js';
import { tempDir } from '../helpers/paths.js';

const temp = tempDir();
afterAll(() => temp.cleanup());

const shared: SharedPageValues = {
  site: { title: 'たより & Notes', description: 'd', url: 'https://example.com/', language: 'ja', menu: ['about/', 'archive/'] },
  text: pageText('ja'),
  feeds: { rss: 'https://example.com/feed.xml', atom: 'https://example.com/atom.xml', json: 'https://example.com/feed.json' },
};

/** The page as LiquidJS renders it with nothing preset: the page template, then the layout around it. */
function renderWhole(templatesDir: string, name: string, context: Record<string, unknown> & { root: string }): string {
  const engine = pageEngine(templatesDir);
  const form = engine.renderSync(engine.parseFileSync('subscribe-form.liquid'), { root: context.root, text: shared.text });
  const page = { ...context, ...shared, subscribe_form: form };
  const content = engine.renderSync(engine.parseFileSync(name), page);
  return engine.renderSync(engine.parseFileSync('layout.liquid'), { ...page, content }) as string;
}

/** Pages at two depths, in an order that reuses what is preset for the first root. */
const pages = [
  { root: '../../', lang: 'ja', title: '一つ目 <b>', description: 'x', canonical: 'https://example.com/a/', body: 'b1', extras: ['p', 'q'] },
  { root: '', lang: 'en', title: 'Second', description: '', canonical: '', body: 'b2', extras: [] },
  { root: '../../', lang: 'ja', title: '三つ目', description: '', canonical: 'https://example.com/c/', body: 'b3', extras: ['r'] },
];

function templatesFolder(name: string, files: Record<string, string>): string {
  const dir = path.join(temp.dir, name);
  mkdirSync(dir, { recursive: true });
  for (const [file, text] of Object.entries(files)) writeFileSync(path.join(dir, file), text);
  return dir;
}

const PAGE = '<p>{{ body }}</p>{{ subscribe_form | raw }}{{ site.title }}';

describe('PageRenderer: parts rendered once per root', () => {
  it('renders the built-in post page exactly as LiquidJS renders it whole', () => {
    const renderer = new PageRenderer(builtinTemplatesDir, shared, { preset: true });
    for (const page of pages) {
      const context = {
        ...page,
        post: {
          title: page.title,
          lang: page.lang,
          html: `<p>${page.body}</p>`,
          author: '編集部',
          dateIso: '2026-11-02T00:00:00.000Z',
          dateText: '2026年11月2日',
          readingText: '約3分',
          categories: page.extras.map((name) => ({ name, href: `${page.root}categories/${name}/feed.xml` })),
          tags: [{ name: 'タグ', href: `${page.root}tags/t/feed.xml` }],
        },
      };
      expect(renderer.render('post.html.liquid', context)).toBe(renderWhole(builtinTemplatesDir, 'post.html.liquid', context));
    }
  });

  const layouts: Record<string, string> = {
    'tags that can be preset': [
      '<html lang="{{ lang }}"><title>{{ title }} | {{ site.title }}</title>',
      '{%- comment %} a comment {% endcomment -%}',
      '{% raw %}{{ not rendered }}{% endraw %}',
      '{% if site.title %}<h1>{{ site.title | upcase }}</h1>{% endif %}',
      '{% unless feeds.rss == blank %}<a href="{{ root }}feed.xml">RSS</a>{% endunless %}',
      '{% case text.feeds %}{% when "フィード" %}F{% else %}other{% endcase %}',
      '{% for item in site.menu %}<a href="{{ root }}{{ item }}">{{ item }}</a>{% endfor %}',
      '{% for root in extras %}[{{ root }}]{% endfor %}{{ root }}',
      '{% if description != blank %}<meta content="{{ description }}">{% endif %}',
      '<main>{{ content | raw }}</main>',
    ].join('\n'),
    // Each of these carries state from one part to a later one: a part rendered ahead would miss it.
    'a cycle across parts': "{% if site.title %}{% cycle 'a', 'b' %}{% endif %}{{ site.title }}{% cycle 'a', 'b' %}|{{ title }}|{{ content | raw }}",
    'an assignment over a shared name': "{% assign root = 'elsewhere/' %}<a href=\"{{ root }}\">{{ title }}</a>{{ site.title }}{{ content | raw }}",
    'an include that assigns a shared name': "{% include 'part.liquid' %}{{ title }}<a href=\"{{ root }}\">{{ site.title }}</a>{{ content | raw }}",
    'counters': '{% if site.title %}{% increment n %}{% endif %}{{ site.title }}{% increment n %}{% decrement m %}{{ content | raw }}',
    'a capture into a shared name': '{% capture site %}captured{% endcapture %}{{ site }}{{ root }}{{ content | raw }}',
    'a break at the top level': '{{ title }}{{ content | raw }}{% break %}{{ site.title }}',
    'a break inside an if': '{% if site.title %}A{% break %}{% endif %}|{{ title }}{{ content | raw }}',
    'a continue inside a case': '{% case site.title %}{% when "たより & Notes" %}W{% continue %}{% endcase %}|{{ title }}{{ content | raw }}',
    'a loop that continues from an offset': '{% for m in site.menu limit: 1 %}{{ m }}{% endfor %}|{% for m in site.menu offset: continue %}{{ m }}{{ title }}{% endfor %}{{ content | raw }}',
    // Its expression reads `title`, which static analysis doesn't see.
    'a filter that evaluates an expression': "{{ site.menu | where_exp: 'm', \"title == '三つ目'\" | join: ',' }}|{{ title }}{{ content | raw }}",
  };

  for (const [kind, layout] of Object.entries(layouts)) {
    it(`renders a layout with ${kind} exactly as LiquidJS renders it whole`, () => {
      const dir = templatesFolder(kind.replace(/\W+/g, '-'), {
        'layout.liquid': layout,
        'x.liquid': PAGE,
        'part.liquid': "{% assign root = 'from-the-partial/' %}",
      });
      const renderer = new PageRenderer(dir, shared, { preset: true });
      for (const page of pages) expect(renderer.render('x.liquid', page)).toBe(renderWhole(dir, 'x.liquid', page));
    });
  }

  it('renders the shared parts of the built-in layout once per root, not once per page', () => {
    let reads = 0;
    const site = { description: '', url: 'https://example.com/', language: 'ja' };
    Object.defineProperty(site, 'title', { enumerable: true, get: () => (reads++, 'Counted') });
    const renderer = new PageRenderer(builtinTemplatesDir, { ...shared, site }, { preset: true });
    const page = (root: string) => renderer.render('page.html.liquid', { root, lang: 'ja', title: 't', description: '', heading: 'h', message: [], kind: 'ok' });
    const first = page('../');
    const perRoot = reads;
    expect(first).toContain('Counted');
    expect(perRoot).toBeGreaterThan(0);
    page('../');
    page('../');
    expect(reads).toBe(perRoot);
    page('');
    expect(reads).toBe(2 * perRoot);
  });

  it('presets nothing unless asked: the server\'s pages live long, and a `now` date must not freeze', () => {
    const dir = templatesFolder('now', { 'layout.liquid': "{{ 'now' | date: '%s%L' }}|{{ content | raw }}", 'x.liquid': PAGE });
    const renderer = new PageRenderer(dir, shared);
    const times = new Set<string>();
    const deadline = Date.now() + 50;
    while (Date.now() < deadline) times.add(renderer.render('x.liquid', pages[0]!).split('|')[0]!);
    expect(times.size).toBeGreaterThan(1);
  });
});
