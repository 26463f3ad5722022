import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { projectRoot, tempDir } from '../helpers/paths.js';

/**
 * `tayori build` end to end, through the compiled bin, on a copy of the sample posts:
 * what it writes, the summary it prints, byte-identical rebuilds, the cache, --strict.
 */
describe('tayori build (CLI)', () => {
  let dir: string;
  let cleanup: () => void;
  const NOW = '2026-11-23T12:00:00Z';

  function configFile(extra = ''): string {
    const file = path.join(dir, 'tayori.yaml');
    writeFileSync(
      file,
      [
        'site:',
        '  title: "テスト便り & Co"',
        '  url: "https://news.example.org/blog"',
        '  language: ja',
        '  author: "編集部"',
        '  timezone: Asia/Tokyo',
        '  pages: false',
        'paths:',
        `  posts: ${JSON.stringify(path.join(dir, 'posts'))}`,
        `  output: ${JSON.stringify(path.join(dir, 'public'))}`,
        `  cache: ${JSON.stringify(path.join(dir, 'cache'))}`,
        `  templates: ${JSON.stringify(path.join(projectRoot, 'templates'))}`,
        extra,
      ].join('\n'),
    );
    return file;
  }

  function build(...args: string[]) {
    return runCli(['build', '--config', path.join(dir, 'tayori.yaml'), ...args], { cwd: dir });
  }

  function snapshot(): Map<string, string> {
    const out = path.join(dir, 'public');
    const files = (readdirSync(out, { recursive: true }) as string[]).filter((f) => statSync(path.join(out, f)).isFile());
    return new Map(files.sort().map((f) => [f, readFileSync(path.join(out, f), 'utf8')]));
  }

  beforeAll(() => {
    ({ dir, cleanup } = tempDir('tayori-build-'));
    cpSync(path.join(projectRoot, 'posts'), path.join(dir, 'posts'), { recursive: true });
    configFile();
  });
  afterAll(() => cleanup());

  it('writes the three main feeds, the stylesheet and per-category/tag feeds, and prints a summary', () => {
    const result = build('--now', NOW);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/posts read: \d+, published: \d+, left out: \d+ \(.*1 draft.*\)/);
    expect(result.stdout).toMatch(/1 future/);
    expect(result.stdout).toMatch(/files written: \d+ of \d+/);
    for (const f of ['feed.xml', 'atom.xml', 'feed.json', 'feed.xsl']) expect(existsSync(path.join(dir, 'public', f)), f).toBe(true);
    const files = [...snapshot().keys()];
    expect(files.some((f) => /^categories\/.+\/feed\.xml$/.test(f))).toBe(true);
    expect(files.some((f) => /^tags\/.+\/atom\.xml$/.test(f))).toBe(true);
    const json = JSON.parse(readFileSync(path.join(dir, 'public/feed.json'), 'utf8')) as { items: { url: string }[] };
    expect(json.items.every((item) => item.url.startsWith('https://news.example.org/blog/'))).toBe(true);
  });

  it('a second build with nothing changed writes nothing and leaves every byte and mtime alone', () => {
    const before = snapshot();
    const mtime = statSync(path.join(dir, 'public/feed.xml')).mtimeMs;
    const result = build('--now', NOW);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/up to date/);
    expect(snapshot()).toEqual(before);
    expect(statSync(path.join(dir, 'public/feed.xml')).mtimeMs).toBe(mtime);
  });

  it('--force re-renders everything and still gives byte-identical files', () => {
    const before = snapshot();
    const result = build('--now', NOW, '--force');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/files written: 0 of/);
    expect(snapshot()).toEqual(before);
  });

  it('a touched file with the same content rebuilds to the same bytes; an edited one changes the feed', () => {
    const before = snapshot();
    const post = readdirSync(path.join(dir, 'posts')).find((f) => f.endsWith('.md'))!;
    const file = path.join(dir, 'posts', post);
    const later = new Date(Date.now() + 5000);
    utimesSync(file, later, later);
    expect(build('--now', NOW).stdout).toMatch(/files written: 0 of/);
    expect(snapshot()).toEqual(before);

    const text = readFileSync(file, 'utf8');
    writeFileSync(file, text.replace(/^title: .*$/m, 'title: "書き直したタイトル"'));
    const result = build('--now', NOW);
    expect(result.stdout).toMatch(/files written: [1-9]\d* of/);
    expect(readFileSync(path.join(dir, 'public/feed.xml'), 'utf8')).toContain('書き直したタイトル');
  });

  it('a future-dated post appears once its time has come, without touching any file', () => {
    const before = readFileSync(path.join(dir, 'public/feed.json'), 'utf8');
    const result = build('--now', '2027-06-01T00:00:00Z');
    expect(result.code).toBe(0);
    expect(result.stdout).not.toMatch(/up to date/);
    expect(result.stdout).not.toMatch(/future/);
    expect(readFileSync(path.join(dir, 'public/feed.json'), 'utf8')).not.toEqual(before);
  });

  it('a --now earlier than the last build rebuilds: a post published since then is gone again', () => {
    const later = readFileSync(path.join(dir, 'public/feed.json'), 'utf8');
    const back = build('--now', NOW);
    expect(back.code).toBe(0);
    expect(back.stdout).not.toMatch(/up to date/);
    const json = readFileSync(path.join(dir, 'public/feed.json'), 'utf8');
    expect(json).not.toEqual(later);
    expect(build('--now', NOW).stdout).toMatch(/up to date/);
  });

  it('a changed permalink in the config changes the URLs of posts whose files did not change', () => {
    expect(build('--now', NOW).code).toBe(0);
    configFile('permalink: /p/:slug/');
    const changed = build('--now', NOW);
    expect(changed.code).toBe(0);
    const urls = (JSON.parse(readFileSync(path.join(dir, 'public/feed.json'), 'utf8')) as { items: { url: string }[] }).items.map((i) => i.url);
    expect(urls.length).toBeGreaterThan(0);
    for (const url of urls) expect(url).toMatch(/^https:\/\/news\.example\.org\/blog\/p\/[^/]+\/$/);
    configFile();
    expect(build('--now', NOW).code).toBe(0);
  });

  it('one broken post is reported with file, line and fix; the others still publish; --strict fails', () => {
    writeFileSync(path.join(dir, 'posts/2026-11-20-broken.md'), '---\ntitle: "unclosed\ndate: 2026-11-20\n---\nbody\n');
    const loose = build('--now', NOW);
    expect(loose.code).toBe(0);
    expect(loose.stderr).toMatch(/warning: 2026-11-20-broken\.md:\d+: .+Fix: /);
    expect(loose.stdout).toMatch(/1 error/);
    expect(existsSync(path.join(dir, 'public/feed.xml'))).toBe(true);
    const strict = build('--now', NOW, '--strict');
    expect(strict.code).toBe(1);
    expect(strict.stderr).toMatch(/2026-11-20-broken\.md/);
  });

  it('fails with exit code 2 and the key for a bad config', () => {
    configFile('feeds:\n  items: -3\n');
    const result = build('--now', NOW);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/feeds\.items: got -3, expected/);
    configFile();
  });

  it('rejects a --now that is not a time with exit code 2 and no stack trace', () => {
    const result = build('--now', 'next tuesday');
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--now: got "next tuesday", expected an ISO 8601 time/);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('with site.pages, writes a page per post and the front page, and removes the page of a deleted post', () => {
    const file = path.join(dir, 'tayori.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace('pages: false', 'pages: true'));
    const first = build('--now', NOW);
    expect(first.code).toBe(0);
    const json = JSON.parse(readFileSync(path.join(dir, 'public/feed.json'), 'utf8')) as { items: { url: string; title: string }[] };
    for (const item of json.items) {
      const pagePath = decodeURIComponent(new URL(item.url).pathname.replace(/^\/blog\//, ''));
      const page = readFileSync(path.join(dir, 'public', pagePath, 'index.html'), 'utf8');
      expect(page).toContain('<meta charset="utf-8">');
    }
    expect(readFileSync(path.join(dir, 'public/index.html'), 'utf8')).toContain('feed.xml');

    const victim = readdirSync(path.join(dir, 'posts')).find((f) => f.includes('welcome'))!;
    const victimUrl = json.items.find((i) => i.url.includes('welcome'))!.url;
    const victimPage = path.join(dir, 'public', decodeURIComponent(new URL(victimUrl).pathname.replace(/^\/blog\//, '')), 'index.html');
    expect(existsSync(victimPage)).toBe(true);
    rmSync(path.join(dir, 'posts', victim));
    const second = build('--now', NOW);
    expect(second.stdout).toMatch(/removed: [1-9]/);
    expect(existsSync(victimPage)).toBe(false);
    // Its folder goes with it (the day's folder too, when nothing else is in it).
    expect(existsSync(path.dirname(victimPage))).toBe(false);
    expect(existsSync(path.join(dir, 'public'))).toBe(true);
    configFile();
  });

  it('built into another output folder, touches no file there that it did not write (another generator\'s site)', () => {
    const file = path.join(dir, 'tayori.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace('pages: false', 'pages: true'));
    expect(build('--now', NOW).code).toBe(0);
    const theirs = path.join(dir, 'jekyll-site');
    const theirFiles = { 'index.html': '<p>Jekyll home</p>', 'site.css': 'body{}', 'feed.css': 'x{}', '2025/12/20/offset/index.html': '<p>Jekyll post</p>' };
    for (const [name, text] of Object.entries(theirFiles)) {
      mkdirSync(path.dirname(path.join(theirs, name)), { recursive: true });
      writeFileSync(path.join(theirs, name), text);
    }
    // Only the feeds now (a site built by Jekyll), into Jekyll's folder, with the same cache.
    writeFileSync(file, readFileSync(file, 'utf8').replace('pages: true', 'pages: false'));
    const feedsOnly = build('--now', NOW, '--out', theirs);
    expect(feedsOnly.code).toBe(0);
    expect(feedsOnly.stdout).not.toMatch(/removed: [1-9]/);
    for (const name of ['index.html', 'site.css', '2025/12/20/offset/index.html']) {
      expect(readFileSync(path.join(theirs, name), 'utf8'), name).toBe(theirFiles[name as keyof typeof theirFiles]);
    }
    // A file tayori writes is written, even when the last build (elsewhere) wrote the same bytes.
    expect(readFileSync(path.join(theirs, 'feed.css'), 'utf8')).toBe(readFileSync(path.join(dir, 'public/feed.css'), 'utf8'));
    // In that folder from now on, what it writes there is its own: pages on, then off again,
    // removes its pages and leaves the rest of Jekyll's site.
    writeFileSync(file, readFileSync(file, 'utf8').replace('pages: false', 'pages: true'));
    expect(build('--now', NOW, '--out', theirs).code).toBe(0);
    writeFileSync(file, readFileSync(file, 'utf8').replace('pages: true', 'pages: false'));
    const pagesOff = build('--now', NOW, '--out', theirs);
    expect(pagesOff.stdout).toMatch(/removed: [1-9]/);
    expect(existsSync(path.join(theirs, 'index.html'))).toBe(false);
    expect(readFileSync(path.join(theirs, '2025/12/20/offset/index.html'), 'utf8')).toBe(theirFiles['2025/12/20/offset/index.html']);
    configFile();
  });

  it('--threads 2 renders post pages on two threads, byte for byte as the main thread does', () => {
    const file = path.join(dir, 'tayori.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace('pages: false', 'pages: true'));
    const clean = () => ['public', 'cache'].forEach((d) => rmSync(path.join(dir, d), { recursive: true, force: true }));
    clean();
    const single = build('--now', NOW, '--threads', '1');
    expect(single.code).toBe(0);
    expect(single.stdout).not.toMatch(/threads/);
    const expected = snapshot();
    expect([...expected.keys()].filter((f) => f.endsWith('/index.html')).length).toBeGreaterThanOrEqual(5);

    clean();
    const threaded = build('--now', NOW, '--threads', '2');
    expect(threaded.code).toBe(0);
    expect(threaded.stderr).toBe(single.stderr); // the broken post of an earlier test, warned about alike
    expect(threaded.stdout).toMatch(/files written: (\d+) of \1 .*, pages on 2 threads\]/);
    expect(snapshot()).toEqual(expected);
    expect(readFileSync(path.join(dir, 'cache/manifest.json'), 'utf8')).toContain('index.html');

    // Unchanged pages are not rewritten by the threads either.
    expect(build('--now', NOW, '--threads', '2', '--force').stdout).toMatch(/files written: 0 of .*pages on 2 threads/);
    expect(readdirSync(path.join(dir, 'public'), { recursive: true }).filter((f) => String(f).endsWith('.tmp'))).toEqual([]);
    configFile();
  });

  it('a page that fails on a thread fails the build as on the main thread: exit 1, the error named', () => {
    const templates = path.join(dir, 'broken-templates');
    cpSync(path.join(projectRoot, 'templates'), templates, { recursive: true });
    // Fails while a page renders (a syntax error is found before any page: the next test).
    writeFileSync(path.join(templates, 'post.html.liquid'), '<p>{{ post.title }}{% include "no_such_partial.liquid" %}</p>\n');
    const file = path.join(dir, 'tayori.yaml');
    writeFileSync(
      file,
      readFileSync(file, 'utf8')
        .replace('pages: false', 'pages: true')
        .replace(/templates: .*/, `templates: ${JSON.stringify(templates)}`),
    );
    const results = ['1', '2'].map((threads) => {
      rmSync(path.join(dir, 'cache'), { recursive: true, force: true });
      return build('--now', NOW, '--threads', threads);
    });
    for (const result of results) {
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/tayori: .*no_such_partial/);
    }
    configFile();
  });

  it('a Liquid syntax error in a page template is a configuration error: exit 2, file, line and fix, nothing written', () => {
    const templates = path.join(dir, 'syntax-templates');
    const file = path.join(dir, 'tayori.yaml');
    const out = path.join(dir, 'syntax-out');
    for (const name of ['layout.liquid', 'post.html.liquid', 'index.html.liquid']) {
      rmSync(templates, { recursive: true, force: true });
      cpSync(path.join(projectRoot, 'templates'), templates, { recursive: true });
      writeFileSync(path.join(templates, name), '<main>\n{% if content %}\n{{ content | raw }}\n</main>\n');
      writeFileSync(
        file,
        readFileSync(file, 'utf8')
          .replace('pages: false', 'pages: true')
          .replace(/templates: .*/, `templates: ${JSON.stringify(templates)}`),
      );
      for (const threads of ['1', '2']) {
        rmSync(path.join(dir, 'cache'), { recursive: true, force: true });
        rmSync(out, { recursive: true, force: true });
        const result = build('--now', NOW, '--threads', threads, '--out', out);
        expect(result.stderr, `${name} --threads ${threads}`).toBe(`tayori: ${path.join(templates, name)}:2:1: tag {% if content %} not closed; fix the Liquid syntax\n`);
        expect(result.code).toBe(2);
        const written = existsSync(out) ? readdirSync(out, { recursive: true }) : [];
        expect(written, 'nothing written').toEqual([]);
      }
    }
    configFile();
  });

  it('a page that moves between a folder and a file of the same name (/x.html/ and /x.html) builds, with one and two threads', () => {
    const file = path.join(dir, 'tayori.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace('pages: false', 'pages: true'));
    const post = path.join(dir, 'posts/2026-11-21-moving.md');
    const out = path.join(dir, 'public');
    for (const threads of ['1', '2']) {
      for (const [permalink, page] of [['/x.html/', 'x.html/index.html'], ['/x.html', 'x.html'], ['/x.html/', 'x.html/index.html']] as const) {
        writeFileSync(post, `---\ntitle: Moving\ndate: 2026-11-21 10:00:00 +0900\npermalink: ${permalink}\n---\nmoving body\n`);
        const result = build('--now', NOW, '--threads', threads);
        expect(result.stderr, `${threads} ${permalink}`).not.toMatch(/EISDIR|EEXIST|ENOTDIR|moving/);
        expect(result.code, `${threads} ${permalink}`).toBe(0);
        expect(readFileSync(path.join(out, page), 'utf8')).toContain('moving body');
      }
    }
    rmSync(post);
    expect(build('--now', NOW).code).toBe(0);
    expect(existsSync(path.join(out, 'x.html'))).toBe(false);
    configFile();
  });

  it('a posts folder that does not exist is a configuration error: exit 2, the feeds left as they are', () => {
    const before = snapshot();
    const result = build('--now', NOW, '--posts', path.join(dir, 'no-such-posts'));
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^tayori: paths\.posts: there is no folder .*no-such-posts; run tayori from the site's folder/);
    expect(snapshot()).toEqual(before);
  });

  it('rejects --threads 0 with exit code 2', () => {
    const result = build('--now', NOW, '--threads', '0');
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--threads: got "0", expected a whole number/);
  });

  it('every command has --help', () => {
    for (const args of [['--help'], ['build', '--help'], ['subscribers', '--help'], ['digest', '--help'], ['start', '--help']]) {
      const result = runCli(args);
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(/Usage: tayori/);
    }
  });
});

/**
 * A post whose page path can't be used is a broken post like any other: left out of the feeds
 * and pages with a warning (file, line of the key to change, fix), and everything else is built.
 * Each case is a fresh site with one good post next to the trigger(s).
 */
describe('tayori build (CLI): a post with an unusable page path', () => {
  const NOW = '2026-01-01T00:00:00Z';
  const GOOD = '2025-12-01-good.md';
  const GOOD_PAGE = '2025/12/01/good/index.html';
  const GOOD_URL = 'https://example.org/blog/2025/12/01/good/';
  const LONG_SLUG = '日本語'.repeat(33) + '日'; // 100 characters, 300 bytes

  function front(lines: string[]): string {
    return ['---', ...lines, '---', '', 'Body.', ''].join('\n');
  }

  /** Builds a site with the good post and `posts`; returns the result and what it wrote. */
  function buildSite(posts: Record<string, string>, extraConfig: string[] = []) {
    const { dir, cleanup } = tempDir('tayori-page-paths-');
    try {
      const postsDir = path.join(dir, 'posts');
      mkdirSync(postsDir);
      writeFileSync(path.join(postsDir, GOOD), front(['title: Good', 'date: 2025-12-01 10:00:00 +0900']));
      for (const [name, text] of Object.entries(posts)) writeFileSync(path.join(postsDir, name), text);
      writeFileSync(
        path.join(dir, 'tayori.yaml'),
        [
          'site: {title: T, url: "https://example.org/blog/", language: en, author: Ed, timezone: Asia/Tokyo}',
          `paths: {posts: ${JSON.stringify(postsDir)}, output: ${JSON.stringify(path.join(dir, 'public'))}, cache: ${JSON.stringify(path.join(dir, 'cache'))}, templates: ${JSON.stringify(path.join(projectRoot, 'templates'))}}`,
          ...extraConfig,
          '',
        ].join('\n'),
      );
      const result = runCli(['build', '--config', path.join(dir, 'tayori.yaml'), '--now', NOW], { cwd: dir });
      const out = path.join(dir, 'public');
      const files = existsSync(out) ? (readdirSync(out, { recursive: true }) as string[]).filter((f) => statSync(path.join(out, f)).isFile()).sort() : [];
      const json = existsSync(path.join(out, 'feed.json'))
        ? (JSON.parse(readFileSync(path.join(out, 'feed.json'), 'utf8')) as { items: { url: string; title: string }[] })
        : { items: [] };
      const rss = existsSync(path.join(out, 'feed.xml')) ? readFileSync(path.join(out, 'feed.xml'), 'utf8') : '';
      return { ...result, files, pages: files.filter((f) => f.endsWith('.html')), items: json.items, rss };
    } finally {
      cleanup();
    }
  }

  /** The build went through: exit 0, no stack trace, the good post's page and feed entries written. */
  function expectBuilt(site: ReturnType<typeof buildSite>) {
    expect(site.code, site.stderr).toBe(0);
    expect(site.stderr).not.toMatch(/\n\s+at /);
    expect(site.files).toEqual(expect.arrayContaining(['feed.xml', 'atom.xml', 'feed.json', 'index.html', 'site.css', GOOD_PAGE]));
    expect(site.items.map((i) => i.url)).toContain(GOOD_URL);
    expect(site.rss).toContain(`<link>${GOOD_URL}</link>`);
  }

  const warnings = (stderr: string) => stderr.split('\n').filter((l) => l.startsWith('warning: '));

  const cases: { name: string; posts: Record<string, string>; config?: string[]; bad: string; title: string; line: number; text: RegExp }[] = [
    {
      name: 'a `..` category under :categories',
      config: ['permalink: /:categories/:year/:month/:day/:title/'],
      posts: { '2025-12-03-dots.md': front(['title: Dots', 'date: 2025-12-03 10:00:00 +0900', 'categories: ["..", "news"]']) },
      bad: '2025-12-03-dots.md',
      title: 'Dots',
      line: 4,
      text: /"\.\."[^]*Fix: change that category in `categories:`/,
    },
    {
      name: '`permalink: /about` next to `permalink: /about/` (one page file, two URLs)',
      posts: {
        'about-1.md': front(['title: About one', 'date: 2025-12-04 10:00:00 +0900', 'permalink: /about/']),
        'about-2.md': front(['title: About two', 'date: 2025-12-05 10:00:00 +0900', 'permalink: /about']),
      },
      bad: 'about-2.md',
      title: 'About two',
      line: 4,
      text: /its page about\/index\.html is also the page of about-1\.md[^]*about-1\.md \(published first\) is kept\. Fix: give one of about-1\.md and about-2\.md a different `slug:` or `permalink:`/,
    },
    {
      name: '`slug: 日本` next to a lower-case-hex `permalink:` of the same page',
      posts: {
        'j1.md': front(['title: J one', 'date: 2025-12-13 10:00:00 +0900', 'slug: 日本']),
        'j2.md': front(['title: J two', 'date: 2025-12-13 10:00:00 +0900', 'permalink: /2025/12/13/%e6%97%a5%e6%9c%ac/']),
      },
      bad: 'j2.md',
      title: 'J two',
      line: 4,
      text: /its page 2025\/12\/13\/日本\/index\.html is also the page of j1\.md[^]*Fix: give one of j1\.md and j2\.md a different/,
    },
    {
      name: '`slug: ".."`',
      posts: { 'dotdot.md': front(['title: Dot dot', 'date: 2025-12-07 10:00:00 +0900', 'slug: ".."']) },
      bad: 'dotdot.md',
      title: 'Dot dot',
      line: 4,
      text: /has the segment "\.\."[^]*Fix: change its `slug:`/,
    },
    {
      name: '`permalink: /feed.xml` (a file the build writes itself)',
      posts: { 'feed.md': front(['title: Feed post', 'date: 2025-12-06 10:00:00 +0900', 'permalink: /feed.xml']) },
      bad: 'feed.md',
      title: 'Feed post',
      line: 4,
      text: /its page feed\.xml\/index\.html would take the place of feed\.xml, which the build writes itself[^]*Fix: change its `permalink:`/,
    },
    {
      name: '`permalink: /categories/news/atom.xml/` (a category feed file)',
      posts: { 'cat-feed.md': front(['title: Cat feed', 'date: 2025-12-06 10:00:00 +0900', 'categories: news', 'permalink: /categories/news/atom.xml/']) },
      bad: 'cat-feed.md',
      title: 'Cat feed',
      line: 5,
      text: /take the place of categories\/news\/atom\.xml[^]*Fix: change its `permalink:`/,
    },
    {
      name: 'a 100-character Japanese `slug:` (a folder name over 255 bytes)',
      posts: { 'long.md': front(['title: Long', 'date: 2025-12-08 10:00:00 +0900', `slug: "${LONG_SLUG}"`]) },
      bad: 'long.md',
      title: 'Long',
      line: 4,
      text: /is 300 bytes as UTF-8; file systems take at most 255[^]*Fix: change its `slug:` to a shorter name/,
    },
    {
      name: '`permalink: /x/%C3/` (not UTF-8 once decoded)',
      posts: { 'bad-escape.md': front(['title: Bad escape', 'date: 2025-12-09 10:00:00 +0900', 'permalink: /x/%C3/']) },
      bad: 'bad-escape.md',
      title: 'Bad escape',
      line: 4,
      text: /"%C3", which is not valid percent-encoded UTF-8[^]*Fix: change its `permalink:`/,
    },
    {
      name: '`permalink: /` (the front page)',
      posts: { 'root.md': front(['title: Root', 'date: 2025-12-10 10:00:00 +0900', 'permalink: /']) },
      bad: 'root.md',
      title: 'Root',
      line: 4,
      text: /the site's front page[^]*Fix: change its `permalink:` to a path of its own/,
    },
  ];

  for (const c of cases) {
    it(`leaves out ${c.name}, with file, line and fix, and builds the rest`, () => {
      const site = buildSite(c.posts, c.config);
      expectBuilt(site);
      const warned = warnings(site.stderr);
      expect(warned, site.stderr).toHaveLength(1);
      expect(warned[0]!.startsWith(`warning: ${c.bad}:${c.line}: `), warned[0]).toBe(true);
      expect(warned[0]).toMatch(c.text);
      expect(site.stdout).toMatch(/left out: 1 \(1 error\)/);
      // Gone from every feed and page; the other posts are all there.
      expect(site.items.map((i) => i.title)).not.toContain(c.title);
      expect(site.rss).not.toContain(`<title>${c.title}</title>`);
      expect(site.items).toHaveLength(Object.keys(c.posts).length); // the good post + the others - the bad one
      expect(site.pages).toHaveLength(site.items.length + 1); // one page per item + index.html
      for (const item of site.items) {
        const page = decodeURIComponent(new URL(item.url).pathname.replace(/^\/blog\//, ''));
        expect(site.pages).toContain(`${page}index.html`);
      }
      expect(site.files.filter((f) => f.endsWith('.tmp'))).toEqual([]);
    });
  }

  it('a "/" inside a category under :categories is a folder, as in Jekyll (CI/CD → ci/cd/)', () => {
    const site = buildSite(
      { '2025-12-02-cicd.md': front(['title: CICD', 'date: 2025-12-02 10:00:00 +0900', 'categories: ["CI/CD"]']) },
      ['permalink: /:categories/:year/:month/:day/:title/'],
    );
    expect(site.code, site.stderr).toBe(0);
    expect(site.stderr).toBe('');
    expect(site.items.map((i) => i.url)).toEqual(['https://example.org/blog/ci/cd/2025/12/02/cicd/', GOOD_URL]);
    expect(site.pages).toEqual(['2025/12/01/good/index.html', 'ci/cd/2025/12/02/cicd/index.html', 'index.html']);
  });
});
