import { describe, expect, it } from 'vitest';
import { parsePostHead, type ParsedEntry } from '../../src/content/parse.js';
import type { Post, PostProblem } from '../../src/content/post.js';
import { testConfig } from './support.js';

const config = testConfig();
const ref = (file: string) => ({ file, absolutePath: `/posts/${file}` });
const head = (...lines: string[]) => ['---', ...lines, '---', ''].join('\n');

function ok(entry: ParsedEntry): Post {
  if (!entry.ok) throw new Error(`expected a post, got problem: ${JSON.stringify(entry.problem)}`);
  return entry.post;
}
function problem(entry: ParsedEntry): PostProblem {
  if (entry.ok) throw new Error(`expected a problem, got post ${entry.post.file}`);
  return entry.problem;
}
const parse = (h: string, file = 'hello.md', cfg = config, body?: string) =>
  parsePostHead(h, ref(file), cfg, body === undefined ? undefined : () => body);

describe('dates', () => {
  it('reads the seeds’ string form and the other date forms to exact UTC instants', () => {
    expect(ok(parse(head('date: 2025-12-17 20:38:36 +0000'))).date.toISOString()).toBe('2025-12-17T20:38:36.000Z');
    expect(ok(parse(head('date: 2026-10-19 09:30:00 +0900'))).date.toISOString()).toBe('2026-10-19T00:30:00.000Z');
    expect(ok(parse(head('date: "2026-10-19T09:30:00+09:00"'))).date.toISOString()).toBe('2026-10-19T00:30:00.000Z');
    expect(ok(parse(head('date: 2026-10-19T09:30:00Z'))).date.toISOString()).toBe('2026-10-19T09:30:00.000Z');
    expect(ok(parse(head('date: 2026-10-19 09:30:00'))).date.toISOString()).toBe('2026-10-19T00:30:00.000Z');
  });

  it('reads an unquoted date-only value as midnight in Asia/Tokyo = previous day 15:00Z', () => {
    expect(ok(parse(head('date: 2026-11-02'))).date.toISOString()).toBe('2026-11-01T15:00:00.000Z');
    expect(ok(parse(head("date: '2026-11-02'"))).date.toISOString()).toBe('2026-11-01T15:00:00.000Z');
    expect(ok(parse(head('date: 2026-11-02   # first Monday'))).date.toISOString()).toBe('2026-11-01T15:00:00.000Z');
  });

  it('re-reads YAML timestamps without an offset as wall time in the site zone', () => {
    // A YAML parser turns these into UTC Dates; Jekyll reads them in the site's zone.
    expect(ok(parse(head('date: 2026-10-19T09:30:00'))).date.toISOString()).toBe('2026-10-19T00:30:00.000Z');
    expect(ok(parse(head('date: 2026-10-19t09:30:00.5'))).date.toISOString()).toBe('2026-10-19T00:30:00.500Z');
    expect(ok(parse(head('date: 2026-10-19 09:30:00 +09:00'))).date.toISOString()).toBe('2026-10-19T00:30:00.000Z');
    expect(ok(parse(head('date: 2026-10-19', 'last_modified_at: 2026-10-20'))).updated.toISOString()).toBe('2026-10-19T15:00:00.000Z');
  });

  it('takes the date from a YYYY-MM-DD- file name prefix when front matter has none', () => {
    const post = ok(parse(head('title: x'), 'sub/2026-10-27-feed-validators.md'));
    expect(post.date.toISOString()).toBe('2026-10-26T15:00:00.000Z');
    expect(post.slug).toBe('feed-validators');
  });

  it('prefers the front-matter date over the file name', () => {
    expect(ok(parse(head('date: 2026-01-05 10:00:00 +0000'), '2026-10-27-x.md')).date.toISOString()).toBe('2026-01-05T10:00:00.000Z');
  });

  it('reports a value that is not a date with the file, the line of `date:` and a fix', () => {
    const p = problem(parse(head('title: "x"', 'layout: post', 'date: next tuesday'), 'a.md'));
    expect(p).toMatchObject({ file: 'a.md', line: 4 });
    expect(p.message).toContain('next tuesday');
    expect(p.fix).toMatch(/2026-11-02/);
  });

  it('reports a post with no date and no file-name date', () => {
    const p = problem(parse(head('title: x'), 'undated.md'));
    expect(p.file).toBe('undated.md');
    expect(p.message).toMatch(/no `date`/);
  });

  it('sets updated from last_modified_at or updated, else the date', () => {
    expect(ok(parse(head('date: 2026-01-01 00:00:00 +0000', 'last_modified_at: 2026-01-03 00:00:00 +0000'))).updated.toISOString()).toBe('2026-01-03T00:00:00.000Z');
    expect(ok(parse(head('date: 2026-01-01 00:00:00 +0000', 'updated: 2026-01-02T00:00:00Z'))).updated.toISOString()).toBe('2026-01-02T00:00:00.000Z');
    expect(ok(parse(head('date: 2026-01-01 00:00:00 +0000'))).updated.toISOString()).toBe('2026-01-01T00:00:00.000Z');
    expect(problem(parse(head('date: 2026-01-01', 'updated: soon'))).line).toBe(3);
  });
});

describe('front matter problems', () => {
  it('gives the YAML error line as a line of the file (opening --- is line 1)', () => {
    const p = problem(parse(head('title: "ok"', 'date: 2026-01-01', 'tags: [a, b', 'author: x'), 'broken.md'));
    expect(p.file).toBe('broken.md');
    expect(p.line).toBe(5);
    expect(p.message).toMatch(/not valid YAML/);
  });

  it('reports a duplicated key with its line', () => {
    expect(problem(parse(head('date: 2026-01-01', 'title: a', 'title: b')))).toMatchObject({ line: 4 });
  });

  it('names the key and its line when a value has the wrong type', () => {
    const p = problem(parse(head('date: 2026-01-01', 'reading_time: soon')));
    expect(p).toMatchObject({ line: 3 });
    expect(p.message).toContain('reading_time');
    const q = problem(parse(head('date: 2026-01-01', 'author: [1, 2]')));
    expect(q.message).toContain('author');
  });

  it('rejects front matter that is not a mapping', () => {
    expect(problem(parse(head('- a', '- b'))).message).toMatch(/not a mapping/);
  });

  it('accepts empty front matter when the file name has a date', () => {
    expect(ok(parse('---\n---\n', '2026-02-03-empty.md')).title).toBe('Empty');
  });
});

describe('title, author, lists', () => {
  it('uses the front-matter title, else the first heading, else the file name', () => {
    expect(ok(parse(head('date: 2026-01-01', 'title: "「括弧"'))).title).toBe('「括弧');
    expect(ok(parse(head('date: 2026-01-01'), 'x.md', config, 'Intro\n\n## Second *level* &amp; more\n\n# First\n')).title).toBe('Second level & more');
    expect(ok(parse(head('date: 2026-01-01'), '2026-01-01-hello-world.md', config, 'no heading here')).title).toBe('Hello World');
    expect(ok(parse(head('date: 2026-01-01'), '2026-01-01-日本語.md')).title).toBe('日本語');
  });

  it('takes the first heading by block structure: not inside code or a quote; setext headings count', () => {
    const title = (body: string) => ok(parse(head('date: 2026-01-01'), 'x.md', config, body)).title;
    expect(title('```\n# not a heading\n```\n\nSetext *title*\n===\n\n# Later\n')).toBe('Setext title');
    expect(title('    # indented code\n\n> # quoted\n\n## [Linked](/x) `code`\n')).toBe('Linked code');
  });

  it('reads the body for the title only when front matter has none', () => {
    let reads = 0;
    parsePostHead(head('date: 2026-01-01', 'title: t'), ref('a.md'), config, () => {
      reads++;
      return '# h';
    });
    expect(reads).toBe(0);
  });

  it('takes the author from the post (string or mapping), else the site', () => {
    expect(ok(parse(head('date: 2026-01-01', 'author: "Ken"'))).author).toEqual({ name: 'Ken' });
    expect(ok(parse(head('date: 2026-01-01', 'author:', '  name: Ken', '  email: k@example.com', '  url: https://k.example'))).author).toEqual({
      name: 'Ken',
      email: 'k@example.com',
      url: 'https://k.example',
    });
    expect(ok(parse(head('date: 2026-01-01'))).author).toEqual({ name: 'Site Author' });
  });

  it('reads categories and tags as a list, a space-separated string, or category/tag singular; trims, drops empties, dedupes', () => {
    const list = ok(parse(head('date: 2026-01-01', 'categories: [" 投資分析 ", "AI", "", "AI"]', 'tags: ["a", 2026]')));
    expect(list.categories).toEqual(['投資分析', 'AI']);
    expect(list.tags).toEqual(['a', '2026']);
    const spaced = ok(parse(head('date: 2026-01-01', 'categories: "Guides  Engineering Guides"', 'tags: csv subscribers')));
    expect(spaced.categories).toEqual(['Guides', 'Engineering']);
    expect(spaced.tags).toEqual(['csv', 'subscribers']);
    const singular = ok(parse(head('date: 2026-01-01', 'category: Machine Learning', 'tag: ml')));
    expect(singular.categories).toEqual(['Machine Learning']);
    expect(singular.tags).toEqual(['ml']);
    expect(ok(parse(head('date: 2026-01-01', 'categories:'))).categories).toEqual([]);
  });

  it('removes XML-invalid characters from title, author, categories and tags', () => {
    const post = ok(parse(head('date: 2026-01-01', 'title: "a\\u0001b\\u000Bc"', 'author: "K\\u0008en"', 'categories: ["x\\u001F"]', 'tags: ["\\uFFFEt"]')));
    expect(post.title).toBe('abc');
    expect(post.author.name).toBe('Ken');
    expect(post.categories).toEqual(['x']);
    expect(post.tags).toEqual(['t']);
  });
});

describe('front matter as written', () => {
  it('removes control characters from the front matter before YAML reads it (quoted, single-quoted, plain, excerpt)', () => {
    for (const title of ['"ctrl\x01\x07 title"', "'ctrl\x01\x07 title'", 'ctrl\x01\x07 title', '"ctrl\x7f\x80 title"']) {
      const post = ok(parse(head('date: 2026-01-01', `title: ${title}`, 'excerpt: "a\x02b"')));
      expect(post.title, JSON.stringify(title)).toBe('ctrl title');
      expect(post.excerptSource).toBe('ab');
    }
    // Lines stay in place: a later YAML error still names its own line.
    expect(problem(parse(head('title: "a\x01"', 'date: 2026-01-01', 'date: 2026-01-02'))).line).toBe(4);
  });

  it('takes a title (slug, id, category, tag) that YAML reads as a date or boolean as written', () => {
    const dated = ok(parse(head('date: 2026-01-01', 'title: 2024-01-01', 'category: true', 'slug: 2024-01-01T10:00:00')));
    expect(dated.title).toBe('2024-01-01');
    expect(dated.categories).toEqual(['true']);
    expect(dated.slug).toBe('2024-01-01T10:00:00');
    expect(ok(parse(head('date: 2026-01-01', 'title: true'))).title).toBe('true');
    expect(ok(parse(head('date: 2026-01-01', "'title': false"))).title).toBe('false');
  });

  it('takes lang as a BCP 47 tag (en_US as en-US); one that is no tag is ignored with a warning, the post still published', () => {
    expect(ok(parse(head('date: 2026-01-01', 'lang: en_US'))).lang).toBe('en-US');
    expect(ok(parse(head('date: 2026-01-01', 'lang: JA'))).lang).toBe('ja');
    for (const tag of ['x-private', 'i-klingon', 'zh-min-nan']) expect(ok(parse(head('date: 2026-01-01', `lang: ${tag}`))).lang).toBe(tag);
    for (const bad of ['日本語', 'en-a', 'en-US-US', 'de-de-1']) {
      const entry = parse(head('date: 2026-01-01', `lang: ${bad}`));
      expect(ok(entry).lang, bad).toBeUndefined();
      expect(entry.ok && entry.warnings, bad).toEqual([expect.objectContaining({ file: 'hello.md', line: 3, fix: 'write it as ja, en or en-US' })]);
    }
  });

  it('re-reads a date under a quoted key as written, like an unquoted one', () => {
    expect(ok(parse(head('"title": Quoted key', '"date": 2025-12-10T00:00:00Z'))).date.toISOString()).toBe('2025-12-10T00:00:00.000Z');
    expect(ok(parse(head("'date': 2025-12-10"))).date.toISOString()).toBe('2025-12-09T15:00:00.000Z');
  });
});

describe('status', () => {
  it('marks draft: true as draft and published: false as unpublished', () => {
    expect(parse(head('date: 2026-01-01', 'draft: true'))).toMatchObject({ ok: true, status: 'draft' });
    expect(parse(head('date: 2026-01-01', 'published: false'))).toMatchObject({ ok: true, status: 'unpublished' });
    expect(parse(head('date: 2026-01-01', 'published: true', 'draft: false'))).toMatchObject({ ok: true, status: 'published' });
  });
});

describe('slug, permalink, url, id', () => {
  it('builds the path from the permalink pattern with date parts in the site zone', () => {
    const post = ok(parse(head('date: 2025-12-17 20:38:36 +0000'), '2025-12-17-hello.md'));
    expect(post.path).toBe('/2025/12/18/hello/'); // 05:38 on the 18th in Tokyo
    expect(post.url).toBe('https://example.com/2025/12/18/hello/');
    const utc = ok(parse(head('date: 2025-12-17 20:38:36 +0000'), '2025-12-17-hello.md', testConfig({ timezone: 'UTC' })));
    expect(utc.path).toBe('/2025/12/17/hello/');
  });

  it('expands every Jekyll placeholder', () => {
    const cfg = testConfig({}, { permalink: '/:categories/:year/:short_year/:month/:i_month/:day/:i_day/:hour/:minute/:second/:title:output_ext' });
    const post = ok(parse(head('date: 2026-03-04 05:06:07 +0900', 'categories: [News, Tech]'), 'x/2026-03-04-post.md', cfg));
    expect(post.path).toBe('/news/tech/2026/26/03/3/04/4/05/06/07/post.html');
  });

  it('removes :categories without double slashes when there are none', () => {
    const cfg = testConfig({}, { permalink: '/:categories/:slug/' });
    expect(ok(parse(head('date: 2026-01-01'), 'a.md', cfg)).path).toBe('/a/');
  });

  it('percent-encodes Japanese slugs and categories in path and url', () => {
    const cfg = testConfig({}, { permalink: '/:categories/:slug/' });
    const post = ok(parse(head('date: 2026-01-01', 'slug: タイムゾーン', 'categories: ["技術 メモ"]'), 'a.md', cfg));
    expect(post.slug).toBe('タイムゾーン');
    expect(post.path).toBe(`/${encodeURIComponent('技術 メモ')}/${encodeURIComponent('タイムゾーン')}/`);
    expect(post.url).toBe(`https://example.com${post.path}`);
    expect(post.url).toMatch(/^[\x21-\x7e]+$/);
  });

  it('lets a post permalink override the pattern, and keeps a base path in site.url', () => {
    const cfg = testConfig({ url: 'https://example.com/blog' });
    const post = ok(parse(head('date: 2026-01-01', 'permalink: /about me/'), 'a.md', cfg));
    expect(post.path).toBe('/about%20me/');
    expect(post.url).toBe('https://example.com/blog/about%20me/');
  });

  it('keeps a permalink whose first segment holds a colon a path under site.url, not a URI scheme', () => {
    const post = ok(parse(head('date: 2026-01-01', 'permalink: /notes:2025/'), 'a.md', testConfig({ url: 'https://example.com/blog' })));
    expect(post.url).toBe('https://example.com/blog/notes:2025/');
  });

  it('makes a stable tag URI id from host, UTC date and file path; front-matter id wins', () => {
    const a = ok(parse(head('date: 2025-12-17 20:38:36 +0000', 'title: one'), 'notes/2025-12-17-こんにちは.md'));
    expect(a.id).toBe(`tag:example.com,2025-12-17:notes/2025-12-17-${encodeURIComponent('こんにちは')}`);
    const b = ok(parse(head('date: 2025-12-17 20:38:36 +0000', 'title: two', 'slug: other'), 'notes/2025-12-17-こんにちは.md'));
    expect(b.id).toBe(a.id); // title and slug changes keep the id
    expect(ok(parse(head('date: 2026-01-01', 'id: urn:uuid:1234'))).id).toBe('urn:uuid:1234');
  });

  it('records bodyOffset as the UTF-8 length of the head', () => {
    const h = head('title: "日本語"', 'date: 2026-01-01');
    expect(ok(parse(h)).bodyOffset).toBe(Buffer.byteLength(h));
  });
});

describe('no front matter', () => {
  it('accepts a file with a date prefix, titled by its first heading', () => {
    const post = ok(parse('', '2026-05-01-plain.md', config, '# Plain post\n\ntext'));
    expect(post.title).toBe('Plain post');
    expect(post.date.toISOString()).toBe('2026-04-30T15:00:00.000Z');
    expect(post.bodyOffset).toBe(0);
  });

  it('reports a file with neither front matter nor a date prefix', () => {
    expect(problem(parse('', 'notes.md', config, 'text')).message).toMatch(/no front matter/);
  });
});
