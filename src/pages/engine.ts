import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Liquid } from 'liquidjs';

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

/**
 * Renders a page template inside layout.liquid. Each template is parsed once; the subscribe
 * form is rendered once per distinct `root` (pages at one depth share it), then passed in as
 * HTML. Composing by hand instead of `{% layout %}` / `{% render %}` tags keeps 10,000 pages
 * to one render of the page and one of the frame each.
 */
export class PageRenderer {
  readonly engine: Liquid;
  private readonly layout: ReturnType<Liquid['parseFileSync']>;
  private readonly form: ReturnType<Liquid['parseFileSync']>;
  private readonly forms = new Map<string, string>();
  private readonly templates = new Map<string, ReturnType<Liquid['parseFileSync']>>();

  constructor(templatesDir: string) {
    this.engine = pageEngine(templatesDir);
    this.layout = this.engine.parseFileSync('layout.liquid');
    this.form = this.engine.parseFileSync('subscribe-form.liquid');
  }

  /** `context` needs root and text (for the form) and what layout.liquid reads. */
  render(name: string, context: Record<string, unknown> & { root: string; text: unknown }): string {
    let template = this.templates.get(name);
    if (!template) {
      template = this.engine.parseFileSync(name);
      this.templates.set(name, template);
    }
    let form = this.forms.get(context.root);
    if (form === undefined) {
      form = this.engine.renderSync(this.form, { root: context.root, text: context.text }) as string;
      this.forms.set(context.root, form);
    }
    const content = this.engine.renderSync(template, { ...context, subscribe_form: form }) as string;
    return this.engine.renderSync(this.layout, { ...context, content }) as string;
  }
}
