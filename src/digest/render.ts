import juice from 'juice';
import type { Config } from '../config/schema.js';
import { safeExcerpt } from '../content/excerpt.js';
import type { FullPost } from '../content/post.js';
import type { DigestTemplates, UiStrings } from './templates.js';

/**
 * Renders one digest variant (one distinct list of posts). The unsubscribe link is a marker here;
 * `personalize` swaps in each recipient's link, so a digest to 10,000 people is rendered once
 * per category selection, not once per person.
 */
export const UNSUBSCRIBE_MARKER = '__TAYORI_UNSUBSCRIBE_URL__';

export interface RenderedDigest {
  subject: string;
  /** HTML with CSS inlined; contains UNSUBSCRIBE_MARKER. */
  html: string;
  /** Plain text; contains UNSUBSCRIBE_MARKER. */
  text: string;
}

export interface Period {
  start: Date;
  end: Date;
}

/** A date in the site's zone and language: 2026年11月16日 (ja), November 16, 2026 (en). */
export function formatDate(date: Date, language: string, timeZone: string): string {
  return new Intl.DateTimeFormat(language, { dateStyle: 'long', timeZone }).format(date);
}

/** `{name}` placeholders in UI strings; plain replacement, values are not re-read as templates. */
export function fill(template: string, values: Record<string, string | number>): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => (name in values ? String(values[name]) : whole));
}

function countLabel(strings: UiStrings, count: number): string {
  return fill((count === 1 ? strings.count_one : strings.count_other) ?? '{count}', { count });
}

/** What the templates see (documented in the README). */
export function digestContext(config: Config, posts: readonly FullPost[], period: Period, strings: UiStrings) {
  const { language, timezone } = config.site;
  const start = formatDate(period.start, language, timezone);
  const end = formatDate(period.end, language, timezone);
  return {
    site: { title: config.site.title, url: config.site.url, description: config.site.description, language },
    period: { start, end, start_iso: period.start.toISOString(), end_iso: period.end.toISOString(), label: fill(strings.period ?? '{start} – {end}', { start, end }) },
    count: posts.length,
    count_label: countLabel(strings, posts.length),
    t: strings,
    why: fill(strings.why ?? '', { site: config.site.title, url: config.site.url }),
    unsubscribe_url: UNSUBSCRIBE_MARKER,
    posts: posts.map((p) => {
      // Only the allow-listed part of the author's excerpt (content/excerpt.ts): the template's
      // stylesheet is the only CSS juice may inline, and no script or frame goes out by mail.
      const excerpt = safeExcerpt(p.excerptHtml);
      return {
        id: p.id,
        title: p.title,
        url: p.url,
        date: formatDate(p.date, language, timezone),
        date_iso: p.date.toISOString(),
        categories: p.categories,
        tags: p.tags,
        reading_time: p.readingTime,
        reading_time_label: fill(strings.reading_time ?? '{minutes} min', { minutes: p.readingTime }),
        excerpt_html: excerpt.html,
        excerpt_text: excerpt.text,
        author: p.author.name,
      };
    }),
  };
}

export function renderSubject(templates: DigestTemplates, context: ReturnType<typeof digestContext>): string {
  // A subject is one line: collapse whatever newlines the template produced.
  return (templates.textEngine.renderSync(templates.subject, context) as string).replace(/\s+/g, ' ').trim();
}

export function renderDigest(templates: DigestTemplates, config: Config, posts: readonly FullPost[], period: Period): RenderedDigest {
  const context = digestContext(config, posts, period, templates.strings);
  const subject = renderSubject(templates, context);
  const rawHtml = templates.htmlEngine.renderSync(templates.html, { ...context, subject, css: templates.css }) as string;
  // Gmail and Outlook drop <style> for most rules: inline them, keep @media for phones.
  const html = juice(rawHtml, { preserveMediaQueries: true, removeStyleTags: true, applyWidthAttributes: true, applyHeightAttributes: false });
  const text = (templates.textEngine.renderSync(templates.text, { ...context, subject }) as string).replace(/\n{3,}/g, '\n\n').trim() + '\n';
  return { subject, html, text };
}

/** The unsubscribe link as it stands in the HTML's href (personalize and the prebuilt MIME must agree). */
export function escapeAttribute(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** The per-recipient parts: only the unsubscribe link changes. */
export function personalize(rendered: RenderedDigest, unsubscribeUrl: string): { html: string; text: string } {
  return {
    html: rendered.html.split(UNSUBSCRIBE_MARKER).join(escapeAttribute(unsubscribeUrl)),
    text: rendered.text.split(UNSUBSCRIBE_MARKER).join(unsubscribeUrl),
  };
}
