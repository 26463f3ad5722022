import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Liquid, Output, Tag, toValueSync, type Template } from 'liquidjs';
import { templateSyntaxError } from '../config/error.js';

/** The templates that ship with tayori (…/templates beside dist/ and src/). */
export const builtinTemplatesDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../templates');

/**
 * One LiquidJS engine for pages: the site's templates folder first, then the built-in
 * templates, so a site overrides only the files it wants to. Output is HTML-escaped unless a
 * template says `| raw` (post bodies and excerpts, already HTML). Parsed templates are cached.
 */
export function pageEngine(templatesDir: string): Liquid {
  const roots = [templatesDir, builtinTemplatesDir].filter((dir, i, all) => existsSync(dir) && all.indexOf(dir) === i);
  return new Liquid({
    root: roots,
    partials: roots,
    layouts: roots,
    extname: '',
    outputEscape: 'escape',
    cache: true,
    strictFilters: true,
  });
}

/** Path to a template file: the site's copy when it has one, else the built-in one. */
export function templateFile(templatesDir: string, name: string): string {
  const own = path.join(templatesDir, name);
  return existsSync(own) ? own : path.join(builtinTemplatesDir, name);
}

/** Values that every page of one renderer shows alike (one build, or one server): given once. */
export interface SharedPageValues {
  site: unknown;
  text: unknown;
  feeds: unknown;
}

/** Variables with one value on every page at one depth: the shared values, `root`, the subscribe form. */
const SAME_AT_ONE_DEPTH = new Set(['site', 'text', 'feeds', 'root', 'subscribe_form']);
/**
 * Tags that carry nothing from one part of a template to the next: no assignments, counters,
 * partials, and no `break` or `continue` (outside a loop body they stop the rest of the page).
 * A `for` with `offset: continue` carries its position, and is not one of them.
 */
const STATELESS_TAGS = new Set(['if', 'unless', 'case', 'for', 'comment', '#', 'raw']);
/** Filters that evaluate a string as an expression against the whole page: what they read is hidden. */
const EXPRESSION_FILTER = /_exp$/;

/**
 * Renders a page template inside layout.liquid. Each template is parsed once; the subscribe
 * form is rendered once per distinct `root` (pages at one depth share it), then passed in as
 * HTML. Composing by hand instead of `{% layout %}` / `{% render %}` tags keeps 10,000 pages
 * to one render of the page and one of the frame each.
 *
 * With `preset` (a build), the parts of a template that read only SAME_AT_ONE_DEPTH variables,
 * and the plain HTML between them, are rendered once per `root` and kept as text: of the built-in
 * layout's 38 parts, 33 are, so a page renders 5 parts of its frame, not 38 (the template stage
 * of a page went from about 120 µs to 90). A build is one moment, so a `now` date in such a part
 * shows the time of the first page at that depth, as Jekyll's `site.time` shows the build's.
 * The server's long-lived pages don't preset: there it would freeze at the server's start.
 */
export class PageRenderer {
  readonly engine: Liquid;
  private readonly layout: Template[];
  private readonly form: Template[];
  private readonly forms = new Map<string, string>();
  private readonly templates = new Map<string, Template[]>();
  /** Preset templates by name and root. */
  private readonly presets = new Map<string, Template[]>();

  constructor(
    private readonly templatesDir: string,
    private readonly shared: SharedPageValues,
    private readonly options: { preset?: boolean } = {},
  ) {
    this.engine = pageEngine(templatesDir);
    this.layout = this.parse('layout.liquid');
    this.form = this.parse('subscribe-form.liquid');
  }

  /** A syntax error is the site's to fix: a ConfigError naming the file and line (exit 2), not a crash. */
  private parse(name: string): Template[] {
    try {
      return this.engine.parseFileSync(name);
    } catch (error) {
      throw templateSyntaxError(error, templateFile(this.templatesDir, name));
    }
  }

  /** Parses `name` now (it is cached for render): a page template's errors surface before any page is written. */
  prepare(name: string): void {
    this.template(name);
  }

  private template(name: string): Template[] {
    let template = this.templates.get(name);
    if (!template) {
      template = this.parse(name);
      this.templates.set(name, template);
    }
    return template;
  }

  /** `context`: root and what the page's template and layout.liquid read besides the shared values. */
  render(name: string, context: Record<string, unknown> & { root: string }): string {
    const template = this.template(name);
    let form = this.forms.get(context.root);
    if (form === undefined) {
      form = this.engine.renderSync(this.form, { root: context.root, text: this.shared.text }) as string;
      this.forms.set(context.root, form);
    }
    const sameAtThisDepth = { ...this.shared, root: context.root, subscribe_form: form };
    const page = { ...context, ...sameAtThisDepth };
    const content = this.engine.renderSync(this.preset(name, template, sameAtThisDepth), page) as string;
    return this.engine.renderSync(this.preset('layout.liquid', this.layout, sameAtThisDepth), { ...page, content }) as string;
  }

  private preset(name: string, template: Template[], values: { root: string }): Template[] {
    if (!this.options.preset) return template;
    const key = `${name}\0${values.root}`;
    let preset = this.presets.get(key);
    if (!preset) {
      preset = presetTemplate(this.engine, template, values);
      this.presets.set(key, preset);
    }
    return preset;
  }
}

/**
 * `template` with each run of top-level parts that read only SAME_AT_ONE_DEPTH variables
 * (`values` holds them) rendered now and kept as one text part. Left whole unless isStateless:
 * a part rendered ahead would miss what an earlier one set (assign, capture, cycle, increment,
 * include, break…).
 */
function presetTemplate(engine: Liquid, template: Template[], values: Record<string, unknown>): Template[] {
  if (!isStateless(template)) return template;
  const readsOnlyValues = (part: Template): boolean => Object.keys(engine.analyzeSync([part]).globals).every((name) => SAME_AT_ONE_DEPTH.has(name));
  const parts: Template[] = [];
  let text = '';
  let first: Template | undefined;
  const endRun = (): void => {
    if (!first) return;
    const html = text;
    parts.push({ token: first.token, render: () => html });
    text = '';
    first = undefined;
  };
  for (const part of template) {
    if (readsOnlyValues(part)) {
      text += engine.renderSync([part], values) as string;
      first ??= part;
    } else {
      endRun();
      parts.push(part);
    }
  }
  endRun();
  return parts;
}

/**
 * Whether no part of `templates`, nested ones included, can change what a later part renders or
 * read what static analysis doesn't see (partials are not opened: their tags aren't stateless).
 */
function isStateless(templates: Template[]): boolean {
  for (const part of templates) {
    if (part instanceof Tag) {
      if (!STATELESS_TAGS.has(part.name)) return false;
      if (part.name === 'for' && /\boffset\s*:\s*continue\b/.test(part.token.args)) return false;
    }
    if (part instanceof Output && part.value.filters.some((filter) => EXPRESSION_FILTER.test(filter.name))) return false;
    const children = (part as Template).children?.(false, true);
    if (children && !isStateless(toValueSync(children))) return false;
  }
  return true;
}
