import { beforeAll, afterAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import { renderDigest, personalize, formatDate, UNSUBSCRIBE_MARKER } from '../../src/digest/render.js';
import { loadDigestTemplates, builtinTemplatesDir } from '../../src/digest/templates.js';
import { expectFormattingKept, expectNothingHostile, HOSTILE_TITLE, linkStyle, linkTags, writeHostilePost } from '../helpers/hostile-excerpt.js';
import { tempDir } from '../helpers/paths.js';
import { digestConfig, loadFull, MONDAY, postsAt, writeWeek } from './support.js';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';

let temp: ReturnType<typeof tempDir>;
beforeAll(() => {
  temp = tempDir('tayori-render-');
  writeWeek(path.join(temp.dir, 'posts'));
});
afterAll(() => temp.cleanup());

const period = { start: new Date('2026-11-09T00:00:00Z'), end: MONDAY };

function render(config = digestConfig(), templatesDir = builtinTemplatesDir) {
  const posts = postsAt(path.join(temp.dir, 'posts'), config, MONDAY).filter((p) => p.date >= period.start);
  const templates = loadDigestTemplates(templatesDir, config.site.language, config.digest.subject);
  return { posts, rendered: renderDigest(templates, config, posts.map((p) => loadFull(p, config)), period) };
}

describe('renderDigest', () => {
  it('formats dates in the site zone and language', () => {
    expect(formatDate(new Date('2026-11-15T16:00:00Z'), 'ja', 'Asia/Tokyo')).toBe('2026年11月16日');
    expect(formatDate(new Date('2026-11-15T16:00:00Z'), 'en', 'UTC')).toBe('November 15, 2026');
  });

  it('Japanese digest: escaped titles, raw excerpts, links, dates, reading time, inlined CSS, no scripts', () => {
    const { rendered, posts } = render();
    expect(posts.length).toBe(3);
    const { html, text, subject } = rendered;
    expect(subject).toBe('たより手帖 & Notes 週刊ダイジェスト 2026年11月9日〜2026年11月16日（3件）');
    expect(html).toContain('道具 &lt;b&gt;と&lt;/b&gt; &amp; 工夫');
    expect(html).not.toContain('<b>と</b>');
    expect(html).toContain('たより手帖 &amp; Notes');
    expect(html).toContain('<strong>抜粋</strong>'); // excerpt Markdown rendered, not escaped
    expect(html).not.toContain('SECRET-BODY');
    expect(html).toContain('2026年11月10日');
    expect(html).toMatch(/約\d+分で読めます/);
    expect(html).toContain('続きを読む');
    expect(html).toContain('カテゴリー: tech');
    for (const p of posts) expect(html).toContain(`href="${p.url}"`);
    expect(html).toMatch(/<td class="post" style="[^"]*padding/); // juice inlined the stylesheet
    expect(html).toContain('width="600"');
    expect(html).toContain('@media'); // phone rule kept in <style>
    expect(html).not.toMatch(/<script|fonts\.googleapis|@import/i);
    expect(html).toContain(UNSUBSCRIBE_MARKER);
    // Plain text: no HTML escaping, excerpt as text.
    expect(text).toContain('道具 <b>と</b> & 工夫');
    expect(text).toContain('最初の段落は抜粋になります。');
    expect(text).not.toContain('SECRET-BODY');
    expect(text).not.toContain('&amp;');
  });

  it('personalize swaps in the escaped unsubscribe link everywhere', () => {
    const { rendered } = render();
    const url = 'https://news.example.com/unsubscribe?token=a&b';
    const body = personalize(rendered, url);
    expect(body.html).toContain('href="https://news.example.com/unsubscribe?token=a&amp;b"');
    expect(body.text).toContain(url);
    expect(body.html).not.toContain(UNSUBSCRIBE_MARKER);
    expect(body.text).not.toContain(UNSUBSCRIBE_MARKER);
  });

  it('English site: English UI strings and subject; config subject template wins', () => {
    const en = render(digestConfig({ site: { language: 'en', title: 'Notes', url: 'https://news.example.com/', author: 'x', timezone: 'UTC' } }));
    expect(en.rendered.subject).toBe('Notes: 3 new posts, November 9, 2026 – November 16, 2026');
    expect(en.rendered.html).toContain('Read more');
    expect(en.rendered.html).toContain('Unsubscribe');
    const custom = render(digestConfig({ digest: { subject: '{{ site.title }} / {{ count }} / {{ posts.first.title }} / {{ period.end_iso }}' } }));
    expect(custom.rendered.subject).toBe(`たより手帖 & Notes / 3 / Feeds & mail / ${MONDAY.toISOString()}`);
  });

  it("a site's own template overrides the built-in one", () => {
    const dir = path.join(temp.dir, 'own-templates');
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'digest.txt.liquid'), 'OWN {{ count }} {{ unsubscribe_url }}\n');
    const { rendered } = render(digestConfig(), dir);
    expect(rendered.text).toBe(`OWN 3 ${UNSUBSCRIBE_MARKER}\n`);
    expect(rendered.html).toContain('続きを読む'); // html still the built-in one
  });

  it('a Liquid syntax error names the template file', () => {
    const dir = path.join(temp.dir, 'broken-templates');
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'digest.html.liquid'), '{% for post in posts %}never closed');
    expect(() => loadDigestTemplates(dir, 'ja', '')).toThrow(/broken-templates\/digest\.html\.liquid/);
  });
});


describe('renderDigest: an excerpt that brings its own CSS, scripts and frames', () => {
  const hostileDir = () => path.join(temp.dir, 'hostile-posts');
  beforeAll(() => {
    writeWeek(hostileDir());
    writeHostilePost(hostileDir(), '2026-11-11 10:00:00 +0900', '2026-11-11-hostile.md');
  });

  function renderHostile(config = digestConfig()) {
    const posts = postsAt(hostileDir(), config, MONDAY).filter((p) => p.date >= period.start);
    const templates = loadDigestTemplates(builtinTemplatesDir, config.site.language, config.digest.subject);
    return { posts, rendered: renderDigest(templates, config, posts.map((p) => loadFull(p, config)), period) };
  }

  /** The style="" of every <a> whose href is `href`, in order. */
  function stylesOfLinks(html: string, href: string): (string | undefined)[] {
    return linkTags(html)
      .filter((tag) => tag.includes(`href="${href}"`))
      .map((tag) => /\bstyle="([^"]*)"/.exec(tag)?.[1]);
  }

  it('juice inlines only the template CSS: the unsubscribe, site and post links look exactly as in a digest without the post', () => {
    const clean = render();
    const { rendered, posts } = renderHostile();
    expect(posts.map((p) => p.title)).toContain(HOSTILE_TITLE);
    const { html } = rendered;

    const unsubscribe = linkStyle(html, UNSUBSCRIBE_MARKER);
    expect(unsubscribe).toBeTruthy();
    expect(unsubscribe).toBe(linkStyle(clean.rendered.html, UNSUBSCRIBE_MARKER));
    const site = 'https://news.example.com/';
    expect(linkStyle(html, site)).toBe(linkStyle(clean.rendered.html, site));
    // Each post: its title link and its "read more" link, styled as the template says.
    const templateLinks = stylesOfLinks(clean.rendered.html, clean.posts[0]!.url);
    expect(templateLinks).toHaveLength(2);
    for (const post of posts) expect(stylesOfLinks(html, post.url), post.title).toEqual(templateLinks);
    // No link and no paragraph anywhere took a rule from the post.
    for (const tag of linkTags(html)) expect(tag).not.toMatch(/display|font-size:\s*1px/);
    for (const tag of html.match(/<p\b[^>]*>/g) ?? []) expect(tag).not.toMatch(/white/);
    // Every inlined declaration is one of digest.css's (juice writes font names in single quotes).
    const css = readFileSync(path.join(builtinTemplatesDir, 'digest.css'), 'utf8').replace(/\s+/g, ' ');
    const declarations = [...html.matchAll(/\sstyle="([^"]*)"/g)].flatMap((m) => m[1]!.split(';')).map((d) => d.trim()).filter(Boolean);
    expect(declarations.length).toBeGreaterThan(10);
    for (const declaration of declarations) expect(css, declaration).toContain(declaration.replace(/'/g, '"'));
    expectNothingHostile('HTML part', html);
  });

  it("keeps the excerpt's ordinary formatting, and none of its style, script, handlers, javascript: links or frames, in HTML or text", () => {
    const { rendered } = renderHostile();
    expectFormattingKept(rendered.html);
    expectNothingHostile('HTML part', rendered.html);
    // Template classes only: nothing in the excerpt can claim .footer or .read-more.
    const excerpt = /<div class="excerpt"[^>]*>((?:(?!<\/div>)[\s\S])*strong words[\s\S]*?)<\/div>/.exec(rendered.html)?.[1] ?? '';
    expect(excerpt).toContain('strong words');
    expect(excerpt).not.toMatch(/\s(class|id)="/);

    expectNothingHostile('text part', rendered.text);
    expect(rendered.text).toContain('Intro with strong words, emphasis, a normal link, inline code and');
    expect(rendered.text).toContain('click me styled span.');
    expect(rendered.text).not.toMatch(/[{}]/); // no CSS text
    expect(rendered.text).not.toContain('The rest of the post');
  });
});
