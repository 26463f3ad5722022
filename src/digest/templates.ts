import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Liquid, type Template } from 'liquidjs';
import { ConfigError, templateSyntaxError } from '../config/error.js';

/** The templates that ship with tayori (…/templates beside dist/ and src/). */
export const builtinTemplatesDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../templates');

/** The site's copy of a template file when it has one, else the built-in one. */
export function digestTemplateFile(templatesDir: string, name: string): string {
  const own = path.join(templatesDir, name);
  return existsSync(own) ? own : path.join(builtinTemplatesDir, name);
}

export type UiStrings = Record<string, string>;

/** The parsed digest templates and UI strings for one site language; load once per run. */
export interface DigestTemplates {
  html: Template[];
  text: Template[];
  subject: Template[];
  css: string;
  strings: UiStrings;
  /** HTML-escaping engine for the HTML body. */
  htmlEngine: Liquid;
  /** Non-escaping engine for the subject and the plain-text body (no `&amp;` in plain text). */
  textEngine: Liquid;
}

function readTemplate(templatesDir: string, name: string): { file: string; text: string } {
  const file = digestTemplateFile(templatesDir, name);
  try {
    return { file, text: readFileSync(file, 'utf8') };
  } catch (error) {
    throw new ConfigError(`${file}: cannot read digest template (${(error as Error).message}); restore it from tayori's templates/ folder`);
  }
}

/** `where`: the template's file, or the config key that holds it (digest.subject). */
function parse(engine: Liquid, text: string, where: { file: string } | { key: string }): Template[] {
  try {
    return engine.parse(text, 'file' in where ? where.file : undefined);
  } catch (error) {
    throw 'file' in where ? templateSyntaxError(error, where.file) : templateSyntaxError(error, where.key, { key: true });
  }
}

/** UI strings for `language` (ja-JP → ja), falling back to English. */
export function loadStrings(templatesDir: string, language: string): UiStrings {
  const base = language.toLowerCase().split('-')[0] ?? 'en';
  const english = JSON.parse(readTemplate(templatesDir, 'i18n/digest.en.json').text) as UiStrings;
  if (base === 'en') return english;
  const file = digestTemplateFile(templatesDir, `i18n/digest.${base}.json`);
  if (!existsSync(file)) return english;
  try {
    return { ...english, ...(JSON.parse(readFileSync(file, 'utf8')) as UiStrings) };
  } catch (error) {
    throw new ConfigError(`${file}: not valid JSON (${(error as Error).message}); fix the file or delete it to use English`);
  }
}

/**
 * Loads templates/digest.html.liquid, digest.txt.liquid, digest.css and the UI strings. The
 * subject template is `subjectTemplate` (config digest.subject) or the language's default.
 */
export function loadDigestTemplates(templatesDir: string, language: string, subjectTemplate: string): DigestTemplates {
  const htmlEngine = new Liquid({ outputEscape: 'escape', strictFilters: true });
  const textEngine = new Liquid({ strictFilters: true });
  const html = readTemplate(templatesDir, 'digest.html.liquid');
  const text = readTemplate(templatesDir, 'digest.txt.liquid');
  const css = readTemplate(templatesDir, 'digest.css').text;
  const strings = loadStrings(templatesDir, language);
  const subjectSource = subjectTemplate.trim() || strings.subject || '{{ site.title }}';
  return {
    html: parse(htmlEngine, html.text, { file: html.file }),
    text: parse(textEngine, text.text, { file: text.file }),
    subject: parse(textEngine, subjectSource, subjectTemplate.trim() ? { key: 'config key digest.subject' } : { key: 'the "subject" string of i18n/digest.*.json' }),
    css,
    strings,
    htmlEngine,
    textEngine,
  };
}
