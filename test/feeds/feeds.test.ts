import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { feedRead, jsonFeedCheck, w3cValidate, type CheckResult } from '../helpers/checkers.js';
import { tempDir } from '../helpers/paths.js';
import { planFeeds, renderFeeds, stripXmlInvalid } from '../../src/feeds/index.js';
import { corpus, makePost, testConfig } from './fixtures.js';
import { contentsOf, parseItemsWithPython, renderAll, writeAll } from './write.js';

interface ReadFeed {
  version: string;
  bozo: boolean;
  feed: { title: string; link: string; updated: string | null };
  entries: Array<{
    id: string;
    title: string;
    link: string;
    published: string | null;
    updated: string | null;
    author: string;
    tags: string[];
    summary_length: number;
    content_length: number;
  }>;
}

const temp = tempDir('tayori-feeds-');
afterAll(() => temp.cleanup());
let runs = 0;
/** Writes the files into a fresh folder and returns their absolute paths. */
function written(files: ReturnType<typeof renderAll>): { dir: string; paths: string[] } {
  const dir = path.join(temp.dir, `run-${++runs}`);
  return { dir, paths: writeAll(dir, files) };
}

function expectClean(check: CheckResult, what: string): void {
  expect(check.ok, `${what}:\n${check.output}`).toBe(true);
}

/** Runs every checker on every file; W3C warnings fail too (the online validator shows them to users). */
function checkAll(dir: string, files: ReturnType<typeof renderAll>, siteUrl: string): void {
  for (const file of files) {
    const absolute = path.join(dir, file.path);
    if (file.path.endsWith('.json')) {
      expectClean(jsonFeedCheck(absolute), `jsonfeed-check ${file.path}`);
      continue;
    }
    const validation = w3cValidate(absolute, siteUrl + file.path);
    expectClean(validation, `w3c-validate ${file.path}`);
    expect(validation.output, `w3c-validate ${file.path}`).toContain('errors=0 warnings=0');
    const read = feedRead(absolute);
    expectClean(read.result, `feed-read ${file.path}`);
  }
}

function read(file: string): ReadFeed {
  const { result, parsed } = feedRead(file);
  expectClean(result, `feed-read ${file}`);
  return parsed as ReadFeed;
}

describe('feed writers', () => {
  const config = testConfig();
  const posts = corpus();
  const files = renderAll(config, posts);
  const { dir } = written(files);

  it('writes RSS, Atom and JSON for the main feed and for every Japanese and ASCII category and tag', () => {
    expect(files.map((f) => f.path)).toEqual([
      'feed.xml',
      'atom.xml',
      'feed.json',
      ...['__tech_20__notes', '_e6_8a_80_e8_a1_93', '_e6_97_a5_e8_a8_98'].flatMap((slug) =>
        ['feed.xml', 'atom.xml', 'feed.json'].map((f) => `categories/${slug}/${f}`),
      ),
      ...['__node_2ejs', '__x__m__l', 'emoji', 'images', 'node-js', '_e3_83_95_e3_82_a3_e3_83_bc_e3_83_89'].flatMap((slug) =>
        ['feed.xml', 'atom.xml', 'feed.json'].map((f) => `tags/${slug}/${f}`),
      ),
    ]);
  });

  it('passes the W3C validator (no errors, no warnings), feedparser and jsonfeed-check on every file', () => {
    checkAll(dir, files, config.site.url);
  });

  it('shows a reader the right titles, ids, links, UTC dates, authors and categories, newest first', () => {
    for (const file of ['feed.xml', 'atom.xml']) {
      const feed = read(path.join(dir, file));
      expect(feed.feed.title).toBe('たより手帖 & <Notes>');
      expect(feed.entries.map((e) => e.id)).toEqual(posts.map((p) => p.id));
      expect(feed.entries.map((e) => e.link)).toEqual(posts.map((p) => p.url));
      expect(feed.entries.map((e) => e.title)).toEqual([
        'CDATA の罠 ]]> と <script> & 「閉じない括弧',
        'Emoji 🎉📮 and a controlchar and lone  surrogate',
        '画像の相対パス',
        'An English post about "quotes" & <tags>',
      ]);
      expect(feed.entries.map((e) => e.published)).toEqual([
        '2026-11-20T00:00:00Z',
        '2026-11-18T12:00:00Z',
        '2026-11-14T23:00:00Z',
        '2026-11-10T00:00:00Z',
      ]);
      expect(feed.entries.map((e) => e.author)).toEqual(['たより編集部', 'Hanako & Taro <team>', 'たより編集部', 'たより編集部']);
      expect(feed.entries[0]!.tags).toEqual(['技術', 'XML', 'フィード']);
      expect(feed.entries[3]!.tags).toEqual(['Tech Notes', 'Node.js', 'node-js']);
      expect(feed.entries.every((e) => e.content_length > 0 && e.summary_length > 0)).toBe(true);
      // Feed-level updated: the newest item's update, never the build time.
      expect(feed.feed.updated).toBe('2026-11-21T01:30:00Z');
    }
    const atom = read(path.join(dir, 'atom.xml'));
    expect(atom.entries[0]!.updated).toBe('2026-11-21T01:30:00Z');
  });

  it('keeps ]]>, &, <, emoji and an unbalanced 「 intact in titles, summaries and bodies (no CDATA)', () => {
    for (const file of ['feed.xml', 'atom.xml']) {
      const raw = readFileSync(path.join(dir, file), 'utf8');
      expect(raw).not.toContain('<![CDATA[');
      expect(raw).not.toContain(']]>');
      const items = parseItemsWithPython(path.join(dir, file));
      expect(items.map((i) => i.id)).toEqual(posts.map((p) => p.id));
      for (const [index, post] of posts.entries()) {
        const item = items[index]!;
        expect(item.title).toBe(stripXmlInvalid(post.title));
        expect(item.summary).toBe(stripXmlInvalid(post.excerptHtml));
        expect(item.content).toBe(stripXmlInvalid(post.html));
      }
      expect(items[0]!.content).toContain('<!-- a comment with ]]> inside -->');
      expect(items[2]!.content).toContain('<img src="https://tayori.example.com/2026/11/15/image/cat.png"');
    }
  });

  it('carries authors, language, summaries and full HTML in JSON Feed 1.1', () => {
    const json = JSON.parse(contentsOf(files, 'feed.json'));
    expect(json.version).toBe('https://jsonfeed.org/version/1.1');
    expect(json.language).toBe('ja');
    expect(json.authors).toEqual([{ name: 'たより編集部' }]);
    expect(json.feed_url).toBe('https://tayori.example.com/feed.json');
    expect(json.home_page_url).toBe('https://tayori.example.com/');
    expect(json.items.map((i: { id: string }) => i.id)).toEqual(posts.map((p) => p.id));
    const first = json.items[0];
    expect(first).toMatchObject({
      url: 'https://tayori.example.com/2026/11/20/cdata/',
      title: 'CDATA の罠 ]]> と <script> & 「閉じない括弧',
      summary: '本文 & more ]]>',
      content_html: posts[0]!.html,
      date_published: '2026-11-20T00:00:00Z',
      date_modified: '2026-11-21T01:30:00Z',
      authors: [{ name: 'たより編集部' }],
      tags: ['技術', 'XML', 'フィード'],
    });
    expect(json.items[3].language).toBe('en');
    expect(json.items[0].language).toBeUndefined();
  });

  it('removes XML-invalid control characters and lone surrogates from every format, keeping emoji', () => {
    const invalid = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
    for (const file of files) {
      expect(invalid.test(file.contents), file.path).toBe(false);
    }
    expect(contentsOf(files, 'feed.xml')).toContain('Emoji 🎉📮 and a controlchar and lone  surrogate');
    const json = JSON.parse(contentsOf(files, 'feed.json'));
    expect(json.items[1].content_html).toBe('<p>Party 🎉 time with a bell and  noise</p>');
    expect(json.items[1].title).not.toMatch(/\\u/);
    expect(stripXmlInvalid('a\tb\nc\r🎉\u0000\ud83c')).toBe('a\tb\nc\r🎉');
  });

  it('uses the tag: id as a non-permalink guid and absolute self links for each feed file', () => {
    const rss = contentsOf(files, 'feed.xml');
    expect(rss).toContain(`<guid isPermaLink="false">${posts[0]!.id}</guid>`);
    expect(rss).toContain('<atom:link href="https://tayori.example.com/feed.xml" rel="self" type="application/rss+xml"/>');
    expect(rss).toContain('<dc:creator>たより編集部</dc:creator>');
    expect(rss).toContain('<language>ja</language>');
    expect(rss).not.toContain('<author>');
    expect(rss).toContain('<?xml-stylesheet type="text/xsl" href="/feed.xsl"?>\n<?xml-stylesheet type="text/css" href="/feed.css"?>');
    expect(rss).toContain('<rss version="2.0" xml:lang="ja"');
    expect(contentsOf(files, 'atom.xml')).toContain('<?xml-stylesheet type="text/xsl" href="/feed.xsl"?>\n<?xml-stylesheet type="text/css" href="/feed.css"?>');
    const tagAtom = contentsOf(files, 'tags/_e3_83_95_e3_82_a3_e3_83_bc_e3_83_89/atom.xml');
    expect(tagAtom).toContain('<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="ja">');
    expect(tagAtom).toContain('href="https://tayori.example.com/tags/_e3_83_95_e3_82_a3_e3_83_bc_e3_83_89/atom.xml"');
    expect(tagAtom).toContain('<title type="text">たより手帖 &amp; &lt;Notes&gt;（タグ: フィード）</title>');
    expect(tagAtom).toContain('<category term="フィード"/>');
    expect(contentsOf(files, 'atom.xml')).toContain('<entry xml:lang="en">');
  });

  it('puts exactly the posts of a category or tag, newest first, in its feed', () => {
    const techIds = parseItemsWithPython(path.join(dir, 'categories/_e6_8a_80_e8_a1_93/feed.xml')).map((i) => i.id);
    expect(techIds).toEqual([posts[0]!.id, posts[2]!.id]);
    const feedTag = read(path.join(dir, 'tags/_e3_83_95_e3_82_a3_e3_83_bc_e3_83_89/atom.xml'));
    expect(feedTag.entries.map((e) => e.id)).toEqual([posts[0]!.id, posts[1]!.id]);
    expect(feedTag.feed.updated).toBe('2026-11-21T01:30:00Z');
    const nodeTag = JSON.parse(contentsOf(files, 'tags/__node_2ejs/feed.json'));
    expect(nodeTag.items.map((i: { id: string }) => i.id)).toEqual([posts[3]!.id]);
    expect(nodeTag.feed_url).toBe('https://tayori.example.com/tags/__node_2ejs/feed.json');
  });
});

describe('ordering, limits and stability', () => {
  it('limits every feed to feeds.items, newest first, whatever order the posts come in', () => {
    const config = testConfig({ feeds: { items: 2 } });
    const posts = corpus();
    const shuffled = [posts[2]!, posts[0]!, posts[3]!, posts[1]!];
    const specs = planFeeds(config, shuffled);
    expect(specs[0]!.posts.map((p) => p.id)).toEqual([posts[0]!.id, posts[1]!.id]);
    for (const spec of specs) expect(spec.posts.length).toBeLessThanOrEqual(2);
    const files = renderAll(config, shuffled);
    const { dir } = written(files);
    expect(read(path.join(dir, 'atom.xml')).entries.map((e) => e.id)).toEqual([posts[0]!.id, posts[1]!.id]);
    expect(JSON.parse(contentsOf(files, 'feed.json')).items).toHaveLength(2);
  });

  it('takes the feed-level updated time from the most recently updated item', () => {
    const config = testConfig();
    const posts = corpus();
    // The oldest post, edited last.
    posts[3] = { ...posts[3]!, updated: new Date('2026-11-22T05:06:07Z') };
    const files = renderAll(config, posts);
    expect(contentsOf(files, 'feed.xml')).toContain('<lastBuildDate>Sun, 22 Nov 2026 05:06:07 GMT</lastBuildDate>');
    expect(contentsOf(files, 'atom.xml')).toMatch(/<generator>tayori<\/generator>/);
    expect(contentsOf(files, 'atom.xml').split('<entry')[0]).toContain('<updated>2026-11-22T05:06:07Z</updated>');
    expect(JSON.parse(contentsOf(files, 'feed.json')).items[3].date_modified).toBe('2026-11-22T05:06:07Z');
  });

  it('renders byte-identical files for the same posts, in any input order', () => {
    const config = testConfig();
    const first = renderAll(config, corpus());
    const second = renderAll(config, corpus().reverse());
    expect(second).toEqual(first);
  });

  it('keeps ids when a title or body changes', () => {
    const config = testConfig();
    const before = corpus();
    const after = corpus().map((post) => ({ ...post, title: `${post.title} (edited)`, html: `${post.html}<p>more</p>` }));
    const a = renderAll(config, before);
    const b = renderAll(config, after);
    expect(contentsOf(b, 'feed.xml')).not.toBe(contentsOf(a, 'feed.xml'));
    const ids = (files: typeof a) => JSON.parse(contentsOf(files, 'feed.json')).items.map((i: { id: string }) => i.id);
    expect(ids(b)).toEqual(ids(a));
    const { dir } = written(b);
    expect(parseItemsWithPython(path.join(dir, 'atom.xml')).map((i) => i.id)).toEqual(before.map((p) => p.id));
  });

  it('with fullContent off, carries only the excerpt and still passes every checker', () => {
    const config = testConfig({ feeds: { fullContent: false, perCategory: false, perTag: false } });
    const posts = corpus();
    const files = renderAll(config, posts);
    expect(files.map((f) => f.path)).toEqual(['feed.xml', 'atom.xml', 'feed.json']);
    const { dir } = written(files);
    checkAll(dir, files, config.site.url);
    expect(contentsOf(files, 'feed.xml')).not.toContain('<content:encoded>');
    expect(contentsOf(files, 'atom.xml')).not.toContain('<content');
    for (const file of ['feed.xml', 'atom.xml']) {
      const items = parseItemsWithPython(path.join(dir, file));
      expect(items.map((i) => i.content)).toEqual([null, null, null, null]);
      expect(items.map((i) => i.summary)).toEqual(posts.map((p) => stripXmlInvalid(p.excerptHtml)));
    }
    const json = JSON.parse(contentsOf(files, 'feed.json'));
    expect(json.items[0].content_html).toBe(posts[0]!.excerptHtml);
    expect(json.items[0].summary).toBe(posts[0]!.excerptText);
  });

  it('writes valid feeds for a site under a sub-path, in English, and for a site with no posts yet', () => {
    const config = testConfig({
      site: {
        url: 'https://example.org/blog',
        language: 'en-GB',
        title: 'Blog',
        description: '',
        author: { name: 'Ann', email: 'ann@example.org', url: 'https://example.org/ann' },
      },
      feeds: { perTag: false },
    });
    const posts = corpus().map((p) => makePost({ file: p.file, title: p.title, date: p.date.toISOString(), categories: p.categories, tags: p.tags }, 'https://example.org/blog/'));
    const files = renderAll(config, posts);
    const { dir } = written(files);
    checkAll(dir, files, config.site.url);
    const rss = contentsOf(files, 'feed.xml');
    expect(rss).toContain('<?xml-stylesheet type="text/xsl" href="/blog/feed.xsl"?>');
    expect(rss).toContain('<?xml-stylesheet type="text/css" href="/blog/feed.css"?>');
    expect(rss).toContain('<atom:link href="https://example.org/blog/feed.xml"');
    expect(rss).toContain('<language>en-GB</language>');
    expect(contentsOf(files, 'categories/_e6_8a_80_e8_a1_93/atom.xml')).toContain('<title type="text">Blog (category: 技術)</title>');
    expect(JSON.parse(contentsOf(files, 'feed.json')).authors).toEqual([{ name: 'Ann', url: 'https://example.org/ann' }]);
    expect(contentsOf(files, 'atom.xml')).toContain('<author>\n<name>Ann</name>\n<uri>https://example.org/ann</uri>\n<email>ann@example.org</email>\n</author>');

    const empty = renderAll(config, []);
    expect(empty.map((f) => f.path)).toEqual(['feed.xml', 'atom.xml', 'feed.json']);
    const emptyDir = written(empty).dir;
    for (const file of ['feed.xml', 'atom.xml']) expectClean(w3cValidate(path.join(emptyDir, file), `https://example.org/blog/${file}`), file);
    expectClean(jsonFeedCheck(path.join(emptyDir, 'feed.json')), 'feed.json');
    expect(contentsOf(empty, 'atom.xml')).toContain('<updated>1970-01-01T00:00:00Z</updated>');
  });

  it('makes a front-matter id that is not a URI absolute in Atom only, as jekyll-feed does, and passes the validator', () => {
    const config = testConfig({ site: { url: 'https://example.org/blog/' }, feeds: { perCategory: false, perTag: false } });
    const ids = ['42', '/2025/12/02/hello', '/notes:2025/x', 'my post 日本', 'tag:example.org,2025:a b', 'urn:uuid:1b4e28ba-2fa1-11d2-883f-0016d3cca427'];
    const posts = ids.map((id, i) => ({ ...makePost({ file: `2025-12-0${i + 1}-p${i}.md`, title: `p${i}`, date: `2025-12-0${i + 1}T09:00:00Z` }, 'https://example.org/blog/'), id }));
    const files = renderAll(config, posts);
    const { dir } = written(files);
    checkAll(dir, files.filter((f) => f.path === 'atom.xml'), config.site.url);
    // In RSS the ids stay as written: no error, though the validator warns that `42` is short.
    const rss = w3cValidate(path.join(dir, 'feed.xml'), `${config.site.url}feed.xml`);
    expect(rss.output).toContain('errors=0');
    const atom = contentsOf(files, 'atom.xml');
    for (const expected of [
      'https://example.org/blog/42',
      'https://example.org/blog/2025/12/02/hello',
      'https://example.org/blog/notes:2025/x',
      'https://example.org/blog/my%20post%20%E6%97%A5%E6%9C%AC',
      'tag:example.org,2025:a%20b',
      'urn:uuid:1b4e28ba-2fa1-11d2-883f-0016d3cca427',
    ]) {
      expect(atom).toContain(`<id>${expected}</id>`);
    }
    // RSS and JSON Feed keep the id as written (the digest's record of sent posts does too).
    expect(contentsOf(files, 'feed.xml')).toContain('<guid isPermaLink="false">my post 日本</guid>');
    expect(JSON.parse(contentsOf(files, 'feed.json')).items.map((item: { id: string }) => item.id)).toEqual([...ids].reverse());
  });

  it('writes a site under a Japanese path on an IDN host with a port as URLs, and passes every checker', () => {
    const config = testConfig({ site: { url: 'https://例え.テスト:8080/ブログ' } });
    const siteUrl = 'https://xn--r8jz45g.xn--zckzah:8080/%E3%83%96%E3%83%AD%E3%82%B0/';
    expect(config.site.url).toBe(siteUrl);
    const posts = corpus().map((p) => makePost({ file: p.file, title: p.title, date: p.date.toISOString(), categories: p.categories, tags: p.tags }, siteUrl));
    const files = renderAll(config, posts);
    const { dir } = written(files);
    checkAll(dir, files, siteUrl);
    expect(contentsOf(files, 'atom.xml')).toContain(`<link rel="self" type="application/atom+xml" href="${siteUrl}atom.xml"/>`);
    expect(JSON.parse(contentsOf(files, 'feed.json')).home_page_url).toBe(siteUrl);
  });

  it('takes the newest entry as the feed time even before 1970, and leaves out an author email that is not an address', () => {
    const config = testConfig({ site: { timezone: 'America/New_York' }, feeds: { perCategory: false, perTag: false } });
    const old = { ...makePost({ file: '1965-05-05-old.md', title: 'Old', date: '1965-05-05T15:00:00Z' }), author: { name: 'Bob', email: 'Bob Smith <bob@example.org>' } };
    const files = renderAll(config, [old]);
    const { dir } = written(files);
    // No errors (the validator only warns that a 1965 date is implausible).
    for (const file of ['feed.xml', 'atom.xml']) expect(w3cValidate(path.join(dir, file), `${config.site.url}${file}`).output, file).toContain('errors=0');
    expect(contentsOf(files, 'atom.xml').split('<entry')[0]).toContain('<updated>1965-05-05T11:00:00-04:00</updated>');
    expect(contentsOf(files, 'feed.xml')).toContain('<lastBuildDate>Wed, 05 May 1965 11:00:00 -0400</lastBuildDate>');
    expect(contentsOf(files, 'atom.xml')).not.toContain('<email>');
    const fine = renderAll(config, [{ ...old, author: { name: 'Bob', email: ' bob@example.org ' } }]);
    expect(contentsOf(fine, 'atom.xml')).toContain('<email>bob@example.org</email>');
  });

  it('points in-page #fragment links at the post in feeds, so readers can follow them (no relative-link warning)', () => {
    const config = testConfig({ feeds: { perCategory: false, perTag: false } });
    const made = makePost({ file: '2026-11-20-toc.md', title: 'TOC', date: '2026-11-20T09:00:00Z', html: '<p><a href="#part">目次</a> <a href=\'#two\'>2</a></p><pre><code>&lt;a href="#x"&gt;</code></pre><h2 id="part">Part</h2>', excerptHtml: '<p><a href="#part">目次</a></p>' });
    const post = { ...made, url: made.url.replace(/\/$/, "/it's/") }; // a quote in the URL must not end the attribute
    const files = renderAll(config, [post]);
    const { dir } = written(files);
    checkAll(dir, files, config.site.url);
    const json = JSON.parse(contentsOf(files, 'feed.json')).items[0];
    expect(json.content_html).toContain(`<a href="${post.url}#part">`);
    expect(json.content_html).toContain(`<a href="${post.url}#two">`);
    expect(json.content_html).toContain('<pre><code>&lt;a href="#x"&gt;</code></pre>'); // code is text, untouched
    expect(contentsOf(files, 'atom.xml')).toContain(`&lt;a href="${post.url}#part"&gt;`);
  });

  it("writes dates in the site's time zone; readers still see the same UTC instants", () => {
    const config = testConfig({ site: { timezone: 'Asia/Tokyo' }, feeds: { perCategory: false, perTag: false } });
    const posts = corpus();
    const files = renderAll(config, posts);
    const { dir } = written(files);
    checkAll(dir, files, config.site.url);
    expect(contentsOf(files, 'feed.xml')).toContain('<pubDate>Sun, 15 Nov 2026 08:00:00 +0900</pubDate>');
    expect(contentsOf(files, 'atom.xml')).toContain('<published>2026-11-15T08:00:00+09:00</published>');
    expect(JSON.parse(contentsOf(files, 'feed.json')).items[2].date_published).toBe('2026-11-15T08:00:00+09:00');
    for (const file of ['feed.xml', 'atom.xml']) {
      const feed = read(path.join(dir, file));
      expect(feed.entries[2]!.published).toBe('2026-11-14T23:00:00Z');
      expect(feed.feed.updated).toBe('2026-11-21T01:30:00Z');
    }
  });

  it('renders one spec at a time, as tayori build calls it', () => {
    const config = testConfig();
    const posts = corpus();
    const [main] = planFeeds(config, posts);
    const out = renderFeeds(config, main!, posts);
    expect(out.map((f) => f.path)).toEqual(['feed.xml', 'atom.xml', 'feed.json']);
    expect(out[0]!.contents.endsWith('</rss>\n')).toBe(true);
  });
});
