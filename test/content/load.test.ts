import { chmodSync, closeSync, openSync, readSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { listPostFiles } from '../../src/content/files.js';
import { loadContent, loadFull, loadPosts, readHeadBytes, readPostHead, selectPublished } from '../../src/content/load.js';
import { renderPostContent, type ParsedEntry } from '../../src/content/parse.js';
import { tempDir } from '../helpers/paths.js';
import { fileRef, post, testConfig, writeFiles } from './support.js';

const config = testConfig();
let dir: string;
let cleanup: () => void;
beforeEach(() => ({ dir, cleanup } = tempDir('tayori-content-')));
afterEach(() => cleanup());

const read = (name: string) => readPostHead(fileRef(dir, name), config);
function okPost(entry: ParsedEntry) {
  if (!entry.ok) throw new Error(`${entry.problem.file}: ${entry.problem.message}`);
  return entry.post;
}

describe('listPostFiles', () => {
  it('finds .md, .markdown and .txt files below the folder, sorted, skipping hidden, _-prefixed and editor files', () => {
    writeFiles(dir, {
      'b.md': 'x',
      'a.markdown': 'x',
      'c.TXT': 'x',
      'sub/deeper/d.md': 'x',
      'image.png': 'x',
      'notes.html': 'x',
      '.hidden.md': 'x',
      '.git/e.md': 'x',
      '_drafts/f.md': 'x',
      '_partial.md': 'x',
      '#g.md#': 'x',
      'h.md~': 'x',
    });
    const files = listPostFiles(dir);
    expect(files.map((f) => f.file)).toEqual(['a.markdown', 'b.md', 'c.TXT', 'sub/deeper/d.md']);
    expect(files[3]).toMatchObject({ absolutePath: path.join(dir, 'sub/deeper/d.md'), size: 1 });
    expect(files[3]!.mtimeMs).toBeGreaterThan(0);
  });

  it('follows symbolic links without looping, and gives [] for a missing folder', () => {
    writeFiles(dir, { 'real/a.md': 'x' });
    symlinkSync(path.join(dir, 'real'), path.join(dir, 'linked'));
    symlinkSync(dir, path.join(dir, 'real/loop'));
    expect(listPostFiles(dir).map((f) => f.file)).toEqual(['linked/a.md', 'real/a.md']);
    expect(listPostFiles(path.join(dir, 'nope'))).toEqual([]);
  });

  it('lists a symbolic link to a post that is gone, so that it is reported rather than silently dropped', () => {
    const links = path.join(dir, 'links');
    writeFiles(links, { '2026-01-01-here.md': post(['date: 2026-01-01']) });
    symlinkSync(path.join(dir, 'nowhere.md'), path.join(links, '2026-01-02-gone.md'));
    symlinkSync(path.join(dir, 'nowhere.png'), path.join(links, 'image.png'));
    expect(listPostFiles(links).map((f) => f.file)).toEqual(['2026-01-01-here.md', '2026-01-02-gone.md']);
    const sel = loadPosts(links, config, new Date('2026-06-01T00:00:00Z'));
    expect(sel.posts.map((p) => p.file)).toEqual(['2026-01-01-here.md']);
    expect(sel.problems).toMatchObject([{ file: '2026-01-02-gone.md' }]);
    expect(sel.problems[0]!.message).toMatch(/ENOENT/);
    expect(sel.problems[0]!.fix).toMatch(/symbolic link/);
  });
});

describe('readPostHead', () => {
  const lfText = post(['title: "Same"', 'date: 2026-11-02 20:38:36 +0000', 'tags: [a, b]', 'excerpt: "**x**"'], 'Para one.\n\n<!--more-->\n\n[rel](a/b.png)\n');

  it('gives the same Post and content for CRLF, a BOM and a missing final newline as for LF', () => {
    const crlf = `\uFEFF${lfText.replace(/\n/g, '\r\n').replace(/\r\n$/, '')}`;
    writeFiles(dir, { '2026-11-02-lf.md': lfText, '2026-11-02-crlf.md': crlf });
    const a = okPost(read('2026-11-02-lf.md'));
    const b = okPost(read('2026-11-02-crlf.md'));
    const strip = (p: typeof a) => ({ ...p, file: '', absolutePath: '', id: '', bodyOffset: 0, path: '', url: '', slug: '' });
    expect(strip(b)).toEqual(strip(a));
    expect(b.bodyOffset).toBeGreaterThan(a.bodyOffset); // BOM + CRs
    const ca = loadContent({ ...a, url: 'https://example.com/p/' }, config);
    const cb = loadContent({ ...b, url: 'https://example.com/p/' }, config);
    expect(cb).toEqual(ca);
    expect(ca.html).toContain('https://example.com/p/a/b.png');
  });

  it('only treats the first --- block at the very start as front matter; ---END--- and --- in the body stay body', () => {
    writeFiles(dir, {
      'x.md': post(['title: "t"', 'date: 2026-01-01'], 'Before\n\n---END---\n\nMiddle\n\n---\n\ntitle: not front matter\n'),
      '2026-01-01-late.md': '\nText first\n\n---\ntitle: not this\n\n---\n',
    });
    const entry = read('x.md');
    const full = loadFull(okPost(entry), config);
    expect(full.title).toBe('t');
    expect(full.html).toContain('<p>---END---</p>');
    expect(full.html).toContain('<hr>');
    expect(full.html).toContain('title: not front matter');
    const late = okPost(read('2026-01-01-late.md'));
    expect(late.bodyOffset).toBe(0);
    expect(late.title).toBe('Late');
  });

  it('reads a front matter longer than the first 4 KB chunk', () => {
    const long = 'x'.repeat(10_000);
    writeFiles(dir, { 'big.md': post(['date: 2026-01-01', `excerpt: "${long}"`, 'title: "after"'], 'Body\n') });
    const p = okPost(read('big.md'));
    expect(p.title).toBe('after');
    expect(p.excerptSource).toBe(long);
    expect(loadContent(p, config).html).toBe('<p>Body</p>\n');
  });

  it('reads only the front matter, not the body', () => {
    const body = 'あ'.repeat(400_000); // 1.2 MB
    writeFiles(dir, { 'long.md': post(['title: "t"', 'date: 2026-01-01'], body) });
    let bytes = 0;
    const counting: typeof readSync = ((fd: number, buf: NodeJS.ArrayBufferView, offset: number, length: number, position: number) => {
      const n = readSync(fd, buf, offset, length, position);
      bytes += n;
      return n;
    }) as typeof readSync;
    const fd = openSync(path.join(dir, 'long.md'), 'r');
    try {
      const head = readHeadBytes(fd, counting);
      const expected = '---\ntitle: "t"\ndate: 2026-01-01\n---\n';
      expect(head).toEqual({ head: expected, bodyOffset: expected.length });
    } finally {
      closeSync(fd);
    }
    expect(bytes).toBeLessThanOrEqual(4096);
    expect(loadContent(okPost(read('long.md')), config).html.length).toBeGreaterThan(400_000);
  });

  it('reports a front matter that is never closed', () => {
    writeFiles(dir, { 'open.md': '---\ntitle: x\ndate: 2026-01-01\n\nbody without end\n' });
    const entry = read('open.md');
    expect(entry).toMatchObject({ ok: false, problem: { file: 'open.md', line: 1 } });
  });

  it('refuses front matter that is not UTF-8 (Shift_JIS, Windows-1252), naming the line, instead of cutting the body', () => {
    const sjis = Buffer.concat([Buffer.from('---\ndate: 2025-12-11\ntitle: "'), Buffer.from([0x93, 0xfa, 0x96, 0x7b]), Buffer.from('"\n---\nABCDEF body.\n')]);
    const cp1252 = Buffer.concat([Buffer.from('---\ndate: 2025-12-12\nauthor: Ken\ntitle: "Caf'), Buffer.from([0xe9, 0x20, 0x93, 0x71, 0x94]), Buffer.from('"\n---\nABCDEF body.\n')]);
    writeFiles(dir, { 'sjis.md': sjis, 'cp1252.md': cp1252 });
    for (const [file, line] of [['sjis.md', 3], ['cp1252.md', 4]] as const) {
      const entry = read(file);
      expect(entry, file).toMatchObject({ ok: false, problem: { file, line } });
      if (!entry.ok) {
        expect(entry.problem.message).toMatch(/not UTF-8/);
        expect(entry.problem.fix).toMatch(/save the file as UTF-8/);
      }
    }
    // A valid head keeps its exact byte offset: the body starts where the file's body starts.
    writeFiles(dir, { 'utf8.md': '---\ndate: 2025-12-12\ntitle: "Café “smart”"\n---\nABCDEF body.\n' });
    expect(loadContent({ ...okPost(read('utf8.md')), url: 'https://example.com/p/' }, config).html).toBe('<p>ABCDEF body.</p>\n');
  });

  it('accepts a front matter closed by `...` (YAML document end), as Jekyll does', () => {
    writeFiles(dir, { 'dots.md': '---\ntitle: Dots\ndate: 2026-01-01\n...\nBody after dots.\n\n...\n\nmore\n' });
    const found = okPost(read('dots.md'));
    expect(found.title).toBe('Dots');
    expect(loadContent({ ...found, url: 'https://example.com/p/' }, config).html).toBe('<p>Body after dots.</p>\n<p>...</p>\n<p>more</p>\n');
  });

  it('reports a quote that is never closed at the line where it opened', () => {
    writeFiles(dir, { 'quote.md': '---\ntitle: "unterminated\ndate: 2025-12-01\ntags: [a]\n---\nbody\n' });
    const entry = read('quote.md');
    expect(entry).toMatchObject({ ok: false, problem: { file: 'quote.md', line: 2 } });
    if (!entry.ok) expect(entry.problem.fix).toMatch(/closing quote/);
    // A quoted value over two lines before it is valid YAML: the broken one is line 6.
    writeFiles(dir, { 'quote2.md': '---\ntitle: t\ndate: 2025-12-01\nexcerpt: "fine\n  continued"\nauthor: "Bad\n---\nbody\n' });
    expect(read('quote2.md')).toMatchObject({ ok: false, problem: { file: 'quote2.md', line: 6 } });
  });

  it('reports an unreadable or missing file instead of throwing', () => {
    const entry = read('missing.md');
    expect(entry).toMatchObject({ ok: false, problem: { file: 'missing.md' } });
    if (!entry.ok) expect(entry.problem.message).toMatch(/ENOENT/);
    if (process.getuid?.() !== 0) {
      writeFiles(dir, { 'locked.md': post(['date: 2026-01-01']) });
      chmodSync(path.join(dir, 'locked.md'), 0o000);
      expect(read('locked.md')).toMatchObject({ ok: false, problem: { file: 'locked.md' } });
    }
  });

  it('reads the first heading from the body when there is no title', () => {
    writeFiles(dir, { '2026-01-01-x.md': post(['date: 2026-01-01'], 'Intro line\n\n## 見出し **太字**\n') });
    expect(okPost(read('2026-01-01-x.md')).title).toBe('見出し 太字');
  });

  it('decodes bodies as TextDecoder does: invalid UTF-8 becomes U+FFFD, a BOM at the start of the body is dropped', () => {
    const bodies: Record<string, Buffer> = {
      'valid.md': Buffer.from('日本語の本文 🎉 é\n'),
      'invalid.md': Buffer.concat([Buffer.from('前 '), Buffer.from([0xff, 0xfe, 0x20, 0xe3, 0x81, 0x20, 0xc0, 0xaf, 0x20, 0xed, 0xa0, 0x80]), Buffer.from(' 後\n')]),
      'cut.md': Buffer.concat([Buffer.from('最後の文字が欠けた'), Buffer.from([0xe6, 0x96])]),
      'bom.md': Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf, 0xef, 0xbb, 0xbf]), Buffer.from('二つの BOM\n')]),
    };
    for (const [name, body] of Object.entries(bodies)) {
      // No front matter: the body is the whole file, decoded from its first byte.
      writeFiles(dir, { [`2026-01-01-${name}`]: body });
      const found = okPost(read(`2026-01-01-${name}`));
      const expected = loadContent({ ...found, bodyOffset: 0 }, config);
      expect(expected.html, name).toBe(renderPostContent(found, new TextDecoder('utf-8').decode(body), config).html);
    }
    const invalid = loadContent(okPost(read('2026-01-01-invalid.md')), config).html;
    expect(invalid).toContain('\uFFFD');
  });
});

describe('loadPosts', () => {
  it('keeps loading the other posts when one has bad YAML, naming file and line', () => {
    writeFiles(dir, {
      '2026-01-01-good.md': post(['title: "good"', 'date: 2026-01-01 10:00:00 +0000']),
      '2026-01-02-bad.md': post(['title: "bad"', 'date: 2026-01-02', 'categories: [a, b', 'tags: x']),
      '2026-01-03-also-good.md': post(['title: "also"', 'date: 2026-01-03 10:00:00 +0000']),
      '2026-01-04-bad-date.md': post(['title: "d"', 'date: 2026-02-31']),
    });
    const sel = loadPosts(dir, config, new Date('2026-06-01T00:00:00Z'));
    expect(sel.posts.map((p) => p.title)).toEqual(['also', 'good']);
    expect(sel.problems.map((p) => p.file)).toEqual(['2026-01-02-bad.md', '2026-01-04-bad-date.md']);
    expect(sel.problems[0]!.line).toBeGreaterThanOrEqual(4);
    expect(sel.problems[1]!.line).toBe(3);
    expect(sel.skipped).toEqual([
      { file: '2026-01-02-bad.md', reason: 'error', problem: sel.problems[0] },
      { file: '2026-01-04-bad-date.md', reason: 'error', problem: sel.problems[1] },
    ]);
  });
});

describe('warnings', () => {
  it('publishes a post whose front matter had something ignored, and reports it with the other problems', () => {
    const warned = path.join(dir, 'warned');
    writeFiles(warned, { '2026-01-01-a.md': post(['title: A', 'lang: 日本語']), '2026-01-02-b.md': post(['title: B']) });
    const sel = loadPosts(warned, config, new Date('2026-06-01T00:00:00Z'));
    expect(sel.posts.map((p) => p.title).sort()).toEqual(['A', 'B']);
    expect(sel.skipped).toEqual([]);
    expect(sel.problems).toEqual([expect.objectContaining({ file: '2026-01-01-a.md', line: 3 })]);
  });
});

describe('selectPublished', () => {
  it('leaves out drafts, published: false and future posts (with a fixed now), newest first', () => {
    writeFiles(dir, {
      'a.md': post(['date: 2026-11-01 00:00:00 +0000', 'title: a']),
      'b.md': post(['date: 2026-11-10 00:00:00 +0000', 'title: b']),
      'draft.md': post(['date: 2026-11-02 00:00:00 +0000', 'draft: true']),
      'off.md': post(['date: 2026-11-02 00:00:00 +0000', 'published: false']),
      'future.md': post(['date: 2026-11-23 09:00:01 +0900', 'title: f']),
      'now.md': post(['date: 2026-11-23 09:00:00 +0900', 'title: now']),
    });
    const now = new Date('2026-11-23T00:00:00Z');
    const sel = loadPosts(dir, config, now);
    expect(sel.posts.map((p) => p.title)).toEqual(['now', 'b', 'a']);
    expect(sel.skipped).toEqual([
      { file: 'draft.md', reason: 'draft' },
      { file: 'future.md', reason: 'future' },
      { file: 'off.md', reason: 'unpublished' },
    ]);
    expect(sel.problems).toEqual([]);
    // The future post appears once its time has come.
    expect(loadPosts(dir, config, new Date('2026-11-23T00:00:01Z')).posts.map((p) => p.title)[0]).toBe('f');
  });

  it('keeps the earlier of two posts with the same URL and reports both files', () => {
    writeFiles(dir, {
      'one/2026-11-01-same.md': post(['date: 2026-11-01 10:00:00 +0900', 'title: first']),
      'two/2026-11-01-same.md': post(['date: 2026-11-01 08:00:00 +0900', 'title: earlier']),
      'three.md': post(['date: 2026-11-01 12:00:00 +0900', 'title: third', 'slug: same']),
    });
    const sel = loadPosts(dir, config, new Date('2026-12-01T00:00:00Z'));
    expect(sel.posts.map((p) => p.title)).toEqual(['earlier']);
    expect(sel.problems).toHaveLength(2);
    for (const p of sel.problems) {
      expect(`${p.message} ${p.fix}`).toContain('two/2026-11-01-same.md');
      expect(p.message).toContain('https://example.com/2026/11/01/same/');
    }
    expect(sel.problems.map((p) => p.file).sort()).toEqual(['one/2026-11-01-same.md', 'three.md']);
    expect(sel.skipped.every((s) => s.reason === 'error')).toBe(true);
  });

  it('reports two posts with the same front-matter id', () => {
    writeFiles(dir, {
      'a.md': post(['date: 2026-11-01', 'id: urn:x:1']),
      'b.md': post(['date: 2026-11-02', 'id: urn:x:1']),
    });
    const sel = loadPosts(dir, config, new Date('2026-12-01T00:00:00Z'));
    expect(sel.posts.map((p) => p.file)).toEqual(['a.md']);
    expect(sel.problems[0]).toMatchObject({ file: 'b.md' });
    expect(sel.problems[0]!.message).toContain('a.md');
  });

  it('gives each published post its page file, and leaves out a post whose page file is unusable or taken, naming the key to change', () => {
    writeFiles(dir, {
      'good.md': post(['date: 2026-11-01', 'title: good']),
      'page.md': post(['date: 2026-11-02', 'title: page', 'permalink: /a.html']),
      // Needs a folder a.html where page.md's page file is.
      'under.md': post(['date: 2026-11-03', 'title: under', 'permalink: /a.html/b/']),
      // The slug comes from the file name (no key to point at) and the pattern from the config.
      'feed.xml.md': post(['date: 2026-11-04', 'title: feed']),
      'cat.md': post(['date: 2026-11-05', 'title: cat', "categories: ['a\\b']"]),
    });
    const cfg = { ...config, permalink: '/:categories/:slug' };
    const sel = loadPosts(dir, cfg, new Date('2026-12-01T00:00:00Z'));
    expect(sel.posts.map((p) => p.title)).toEqual(['page', 'good']);
    expect(sel.pages.map(({ post, file }) => [post.title, file])).toEqual([
      ['page', 'a.html'],
      ['good', 'good/index.html'],
    ]);
    expect(sel.pages.map(({ post }) => post)).toEqual(sel.posts);
    const byFile = new Map(sel.problems.map((p) => [p.file, p]));
    expect(byFile.get('under.md')).toMatchObject({ line: 4, message: expect.stringContaining('needs a folder a.html, which is the page of page.md') });
    expect(byFile.get('under.md')!.fix).toContain('give one of page.md and under.md a different');
    expect(byFile.get('feed.xml.md')!.line).toBeUndefined();
    expect(byFile.get('feed.xml.md')!.message).toContain('its page feed.xml/index.html would take the place of feed.xml');
    expect(byFile.get('feed.xml.md')!.fix).toMatch(/^rename the file \(or set `slug:`\)/);
    expect(byFile.get('cat.md')).toMatchObject({ line: 4, fix: expect.stringMatching(/^change that category in `categories:`/) });
    expect(sel.skipped.map((s) => s.reason)).toEqual(['error', 'error', 'error']);
  });

  it('leaves out a page under a hidden name (a segment starting with "."), which tayori start would never serve', () => {
    const hidden = path.join(dir, 'hidden');
    writeFiles(hidden, {
      'good.md': post(['date: 2026-11-01', 'title: good']),
      'dot.md': post(['date: 2026-11-02', 'title: dot', 'permalink: /.notes/dot/']),
      'encoded.md': post(['date: 2026-11-03', 'title: enc', 'permalink: /x/%2Ehidden/']),
    });
    const sel = loadPosts(hidden, config, new Date('2026-12-01T00:00:00Z'));
    expect(sel.posts.map((p) => p.title)).toEqual(['good']);
    expect(sel.problems.map((p) => [p.file, p.line])).toEqual([['dot.md', 4], ['encoded.md', 4]]);
    expect(sel.problems[0]!.message).toContain('a hidden name that tayori start and most web servers don\'t serve');
    expect(sel.problems[0]!.fix).toMatch(/no part of the path starts with "\."/);
    // Without post pages (Jekyll or Hugo builds the site), the URL is theirs to serve: kept.
    expect(loadPosts(hidden, testConfig({ pages: false }), new Date('2026-12-01T00:00:00Z')).posts).toHaveLength(3);
  });

  it('with site.pages off, leaves out only posts whose URL is unusable, and has no page files', () => {
    writeFiles(dir, {
      'good.md': post(['date: 2026-11-01', 'title: good']),
      'dots.md': post(['date: 2026-11-02', 'slug: ".."']),
      'encoded-dots.md': post(['date: 2026-11-02', 'title: enc', 'permalink: /x/%2E%2e/']),
      'root.md': post(['date: 2026-11-03', 'permalink: /']),
      'feed.md': post(['date: 2026-11-04', 'permalink: /feed.json']),
      // Usable URLs: only their page files would be a problem.
      'about-1.md': post(['date: 2026-11-05', 'title: about 1', 'permalink: /about/']),
      'about-2.md': post(['date: 2026-11-06', 'title: about 2', 'permalink: /about']),
      'escape.md': post(['date: 2026-11-07', 'title: escape', 'permalink: /x/%C3/']),
      'long.md': post(['date: 2026-11-08', 'title: long', `slug: "${'日'.repeat(100)}"`]),
      'site-css.md': post(['date: 2026-11-09', 'title: css', 'permalink: /site.css']),
    });
    const off = testConfig({ pages: false });
    const sel = loadPosts(dir, off, new Date('2026-12-01T00:00:00Z'));
    expect(sel.posts.map((p) => p.title)).toEqual(['css', 'long', 'escape', 'about 2', 'about 1', 'good']);
    expect(sel.pages).toEqual([]);
    expect(sel.problems.map((p) => [p.file, p.line])).toEqual([
      ['dots.md', 3],
      ['encoded-dots.md', 4],
      ['root.md', 3],
      ['feed.md', 3],
    ]);
    expect(sel.problems[0]!.message).toContain('https://example.com/2026/11/');
    expect(sel.problems[0]!.fix).toMatch(/^change its `slug:`/);
    expect(sel.problems[3]!.message).toContain('its URL https://example.com/feed.json is the address of feed.json');
    // With pages, the same posts are checked for their page files too.
    const on = loadPosts(dir, testConfig({ pages: true }), new Date('2026-12-01T00:00:00Z'));
    expect(on.posts.map((p) => p.title)).toEqual(['about 1', 'good']);
  });

  it('gives the same selection from cached (JSON round-tripped) entries', () => {
    writeFiles(dir, { 'a.md': post(['date: 2026-11-01', 'title: a']) });
    const entries = [read('a.md')];
    const revived = JSON.parse(JSON.stringify(entries), (k, v) => ((k === 'date' || k === 'updated') && typeof v === 'string' ? new Date(v) : v));
    expect(selectPublished(revived, new Date('2026-12-01T00:00:00Z'), config)).toEqual(selectPublished(entries, new Date('2026-12-01T00:00:00Z'), config));
  });
});

it('writes nothing back into the posts folder', () => {
  writeFiles(dir, { 'a.md': post(['date: 2026-11-01']) });
  loadPosts(dir, config, new Date('2026-12-01T00:00:00Z'));
  writeFileSync(path.join(dir, 'marker'), '');
  expect(listPostFiles(dir).map((f) => f.file)).toEqual(['a.md']);
});
