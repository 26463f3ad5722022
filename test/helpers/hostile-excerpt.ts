import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';

/**
 * A post whose excerpt (everything before <!--more-->) carries its own CSS, a script, an event
 * handler, a javascript: link, a frame and a style attribute, next to ordinary formatting. The
 * digest and the front page must show the formatting and nothing else of it.
 */
export const HOSTILE_TITLE = 'Post with its own CSS';

export const HOSTILE_BODY = `<style>
a { display: none; }
p { color: white; }
.footer a { font-size: 1px; }
</style>

Intro with **strong words**, *emphasis*, [a normal link](https://example.org/page), \`inline code\` and ![a picture](https://example.org/pic.png) <img src="https://example.org/x.png" alt="x" onerror="alert('ONERROR-XSS')"> <a href="javascript:alert('JS-HREF')">click me</a> <span style="color: #badbad">styled span</span>.

<iframe src="https://evil.example/frame">IFRAME-FALLBACK</iframe>

<script>alert('SCRIPT-BODY')</script>

<!--more-->

The rest of the post.
`;

/** Writes the post, dated `date` (front-matter form, e.g. 2026-11-11 10:00:00 +0900). */
export function writeHostilePost(dir: string, date: string, name = 'hostile.md'): string {
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, name);
  writeFileSync(file, `---\ntitle: "${HOSTILE_TITLE}"\ndate: ${date}\n---\n${HOSTILE_BODY}`);
  return file;
}

/** What of the excerpt must not get through, in HTML or in text. */
const FORBIDDEN: [string, RegExp][] = [
  ['display:none', /display\s*:\s*none/i],
  ['the post\'s white text', /color\s*:\s*white/i],
  ['the post\'s 1px font', /font-size\s*:\s*1px/i],
  ['the span\'s style', /#badbad/i],
  ['a <style> element', /<style\b[^>]*>\s*a\s*\{/i],
  ['a <script> element', /<script/i],
  ['the script', /SCRIPT-BODY/],
  ['an alert() from the post', /alert\(['"&]/],
  ['an event handler', /\bonerror\b/i],
  ['a javascript: link', /javascript:/i],
  ['an <iframe>', /<iframe/i],
  ['the frame\'s content', /IFRAME-FALLBACK|evil\.example/],
];

export function expectNothingHostile(label: string, content: string): void {
  for (const [what, pattern] of FORBIDDEN) expect(pattern.test(content), `${label} has ${what}`).toBe(false);
}

/** The ordinary formatting of the excerpt, as HTML. */
export function expectFormattingKept(html: string): void {
  expect(html).toContain('<strong>strong words</strong>');
  expect(html).toContain('<em>emphasis</em>');
  expect(html).toMatch(/<a href="https:\/\/example\.org\/page"[^>]*>a normal link<\/a>/);
  expect(html).toMatch(/<code[^>]*>inline code<\/code>/);
  expect(html).toMatch(/<img src="https:\/\/example\.org\/pic\.png" alt="a picture"/);
  expect(html).toMatch(/<img src="https:\/\/example\.org\/x\.png" alt="x"/);
  expect(html).toContain('click me'); // the link's text stays, without the link
  expect(html).toContain('styled span');
}

/** The style="" of the first `<a>` whose href is `href` (undefined: no style; null: no such link). */
export function linkStyle(html: string, href: string): string | undefined | null {
  const escaped = href.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const tag = new RegExp(`<a\\b[^>]*\\bhref="${escaped}"[^>]*>`).exec(html)?.[0];
  if (tag === undefined) return null;
  return /\bstyle="([^"]*)"/.exec(tag)?.[1];
}

/** Every `<a …>` tag of `html`. */
export function linkTags(html: string): string[] {
  return html.match(/<a\b[^>]*>/g) ?? [];
}
