/**
 * Markdown → HTML with one private `Marked` instance (GFM), never the global `marked`, so no
 * other module's `marked.use()` can change what posts render to. Three of its rules are swapped
 * for faster ones that give the same tokens (fast-rules.ts).
 */
import { Lexer, Marked, type Links, type Token, type Tokens } from 'marked';
import { fastGfmTokenizer } from './fast-rules.js';
import { absoluteUrl, absolutizeHtml } from './urls.js';
import { htmlToText } from './text.js';

const markdown = new Marked({ gfm: true, async: false }).use({ tokenizer: fastGfmTokenizer() });

/**
 * Renders Markdown with every relative link and image made absolute against `baseUrl`: link
 * and image tokens via their `href`, raw HTML (`<a href>`, `<img src srcset>`) via its tags.
 */
export function renderMarkdown(source: string, baseUrl: string): string {
  return renderTokens(markdown.lexer(source), baseUrl);
}

/**
 * A post body: renderMarkdown, plus from the same lexer run what an excerpt cut from it needs:
 * the Markdown of the first paragraph (see firstBlockOf) and the body's link definitions.
 */
export function renderBody(source: string, baseUrl: string): { html: string; firstBlock: string; linkDefinitions: string } {
  const tokens = markdown.lexer(source);
  const firstBlock = firstBlockOf(tokens); // before renderTokens changes links (it keeps `raw`)
  return { html: renderTokens(tokens, baseUrl), firstBlock, linkDefinitions: linkDefinitionsOf(tokens.links) };
}

/**
 * The reference-style link definitions marked found (`[docs]: /docs/ "Docs"`), written back as
 * Markdown lines. From the lexer, not from the text: a line in a code block that only looks like
 * one is not a definition.
 */
function linkDefinitionsOf(links: Links): string {
  const lines: string[] = [];
  for (const [label, { href, title }] of Object.entries(links)) {
    if (!href) continue;
    const destination = `<${href.replace(/[<>\s]/g, (c) => encodeURIComponent(c))}>`;
    const quoted = title ? ` "${title.replace(/["\\]/g, '\\$&')}"` : '';
    lines.push(`[${label.replace(/[[\]\\]/g, '\\$&')}]: ${destination}${quoted}`);
  }
  return lines.join('\n');
}

function renderTokens(tokens: Token[], baseUrl: string): string {
  markdown.walkTokens(tokens, (token) => absolutizeToken(token, baseUrl));
  return markdown.parser(tokens);
}

function absolutizeToken(token: Token, baseUrl: string): void {
  switch (token.type) {
    case 'link':
    case 'image': {
      const t = token as Tokens.Link | Tokens.Image;
      t.href = absoluteUrl(t.href, baseUrl);
      break;
    }
    case 'html': {
      const t = token as Tokens.HTML | Tokens.Tag;
      t.text = absolutizeHtml(t.text, baseUrl);
      break;
    }
  }
}

/**
 * Plain text of the first Markdown heading in `source`, if any. Block tokens only: which lines
 * are headings doesn't depend on inline Markdown, and lexing every paragraph's inline content
 * made a post without a `title` cost four times the front matter of one with it.
 */
export function firstHeading(source: string): string | undefined {
  for (const token of new Lexer(markdown.defaults).blockTokens(source)) {
    if (token.type === 'heading') {
      const text = htmlToText(markdown.parseInline((token as Tokens.Heading).text) as string);
      if (text) return text;
    }
  }
  return undefined;
}

/**
 * The Markdown of the first paragraph: the default excerpt when there is neither an `excerpt`
 * key nor an excerpt separator. Headings, rules and HTML blocks before it are passed over, so a
 * post that opens with `# Title` still gets its first real paragraph.
 */
function firstBlockOf(tokens: Token[]): string {
  const paragraph = tokens.find((t) => t.type === 'paragraph');
  if (paragraph) return paragraph.raw;
  // No paragraph at all (a post that is one list or quote): its first block stands in.
  const block = tokens.find((t) => t.type !== 'space' && t.type !== 'heading' && t.type !== 'hr' && !(t.type === 'html' && /^\s*<!--/.test(t.raw)));
  return block ? block.raw : '';
}
