/**
 * Faster equivalents of three of marked's GFM rules, for long Japanese paragraphs. They give
 * the same tokens as marked's own rules on every input (test/content/fast-rules.test.ts
 * compares both on the sample posts, the seeds, the benchmark corpus and random Markdown).
 *
 * - Inline text: marked's rule ends a text run with a lazy `[\s\S]*?` that tries eight
 *   look-aheads (`*`, `_`, `http`, `www.`, `mailto:`, an e-mail address, two spaces before a line
 *   end, …) after every character. Each of those needs particular ASCII characters at or right
 *   after the position, so the same rule with the lazy loop stepping over whole runs where none
 *   can succeed (RUN_STEP below) ends every run at the same place. That was 3 of the 10 seconds
 *   of Markdown in a 10,000-page build; Japanese text now costs about 1/20, English 1/3.
 * - Setext heading and table: tried on every paragraph and scanning it to its end, while a
 *   paragraph can only be one when a line starts with `=`/`-` (heading) or the second line
 *   starts a delimiter row (table). A cheap test for those lines rules the others out; when it
 *   passes, marked's own rule decides.
 *
 * Each override checks that marked's rule is still the one analysed here (the exact source
 * text, pinned for marked 18) and otherwise leaves the work to marked.
 */
import { createHash } from 'node:crypto';
import { Lexer, Tokenizer, type TokenizerObject } from 'marked';

/** marked 18's GFM inline text rule, exactly (the analysis above is of this text). */
const GFM_TEXT = /^(?:[^a-zA-Z0-9](?=(?:mailto|xmpp):)|(`+|~+|[^`~])(?:(?=[`~])|(?= {2,}\n)|(?=[a-zA-Z0-9.!#$%&'*+\/=?_`{\|}~-]+@)|[\s\S]*?(?:(?=[\\<!\[`*~_]|\b_|[hH][tT][tT][pP][sS]?|[fF][tT][pP]:\/\/|(?<![^\s*_~(])www\.|$)|[^ ](?= {2,}\n)|[^a-zA-Z0-9](?=(?:mailto|xmpp):)|[^a-zA-Z0-9.!#$%&'*+\/=?_`{\|}~-](?=[a-zA-Z0-9.!#$%&'*+\/=?_`{\|}~-]+@))))/;
/** Digests of marked 18's GFM setext heading and table rules (long: tag lists), which the gates below assume. */
const GFM_LHEADING_DIGEST = 'C7-ALgALaFGAJwzFrdNIH6';
const GFM_TABLE_DIGEST = '0QACZXlH24wmgxkd1Wjvb7';
const LAZY_STEP = String.raw`[\s\S]*?(?:(?=[\\<!`;
/**
 * The same loop, stepping over whole runs where none of the look-aheads can succeed:
 *  - non-ASCII characters followed by non-ASCII;
 *  - English words: letters and digits (`h`, `f`, `w` only where they don't start `http`,
 *    `ftp://`, `www.`), and single spaces between them when the next word is followed by
 *    neither `@` nor `:` nor another e-mail character (so no `mailto:`, `xmpp:` or address
 *    starts there), the run not ending just before two spaces and a line end.
 * Anything else goes one character at a time, as in marked's rule.
 */
const WORD_CHAR = /(?:[a-egi-vx-zA-EGI-Z0-9]|[hH](?![tT][tT][pP])|[fF](?![tT][pP]:\/\/)|w(?!ww\.))/.source;
const INNER_SPACE = / (?=[a-zA-Z0-9]+(?:[^a-zA-Z0-9.!#$%&'*+\/=?_`{|}~@:-]|$))/.source;
const WORDS = `${WORD_CHAR}+(?:${INNER_SPACE}${WORD_CHAR}+)*(?! {2,}\\n)`;
const NON_ASCII = /[^\x00-\x7f]+(?=[^\x00-\x7f])/.source;
const RUN_STEP = `(?:${NON_ASCII}|${WORDS}|[\\s\\S])*?(?:(?=[\\\\<!`;

/** A line end followed by an underline start comes before any blank line or other line end. */
const SETEXT_UNDERLINE_FIRST = /(\n {0,3}[=-])|\n\s*\n|[\r\u2028\u2029]/;

type Rules = { inline: Record<string, RegExp>; block: Record<string, RegExp> };

const digest = (rule: RegExp): string => createHash('sha256').update(`${rule.flags}/${rule.source}`).digest('base64url').slice(0, 22);

/**
 * Tokenizer overrides for `new Marked(...).use({ tokenizer })`. Empty, so marked's own rules
 * apply, when the installed marked's GFM rules are not the ones analysed here.
 */
export function fastGfmTokenizer(): TokenizerObject {
  const inlineRules = Lexer.rules.inline.gfm;
  const blockRules = Lexer.rules.block.gfm;
  if (
    inlineRules.text.source !== GFM_TEXT.source ||
    inlineRules.text.flags !== GFM_TEXT.flags ||
    digest(blockRules.lheading) !== GFM_LHEADING_DIGEST ||
    digest(blockRules.table) !== GFM_TABLE_DIGEST
  ) {
    return {};
  }
  const fastInline = { ...inlineRules, text: new RegExp(GFM_TEXT.source.replace(LAZY_STEP, RUN_STEP)) };
  const rulesOf = (tokenizer: unknown): Rules => (tokenizer as { rules: Rules }).rules;
  /** marked's GFM table needs its second line to start like a delimiter row (sticky: tested at one index). */
  const delimiterRowStart = / {0,3}(?:\| *)?:?-/y;

  return {
    inlineText(src) {
      // `this.rules` belongs to the current Lexer; its inline rules are swapped for this one
      // call, so marked's own code builds the token.
      const rules = rulesOf(this);
      const inline = rules.inline;
      if (inline.text !== inlineRules.text) return false;
      rules.inline = fastInline;
      try {
        return Tokenizer.prototype.inlineText.call(this, src);
      } finally {
        rules.inline = inline;
      }
    },
    // For the two below: undefined means "not here" (marked's rule cannot match), false "ask marked".
    lheading(src) {
      if (rulesOf(this).block.lheading !== blockRules.lheading) return false;
      return SETEXT_UNDERLINE_FIRST.exec(src)?.[1] === undefined ? undefined : false;
    },
    table(src) {
      if (rulesOf(this).block.table !== blockRules.table) return false;
      const lineEnd = src.indexOf('\n');
      if (lineEnd < 0) return undefined;
      delimiterRowStart.lastIndex = lineEnd + 1;
      return delimiterRowStart.test(src) ? false : undefined;
    },
  };
}
