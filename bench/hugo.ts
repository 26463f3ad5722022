/**
 * The Hugo sites the benchmarks time tayori against (bench/build.ts, bench/pages.ts), over the
 * same generated corpus (linked in as content/posts).
 */
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * `rssOnly`: the RSS feed of the newest 20 alone (every page listed, none rendered). Otherwise
 * Hugo's full build: a page per post from a template comparable to tayori's, plus RSS.
 */
export function hugoSite(siteDir: string, corpusDir: string, rssOnly: boolean): void {
  rmSync(siteDir, { recursive: true, force: true });
  mkdirSync(path.join(siteDir, 'content'), { recursive: true });
  symlinkSync(corpusDir, path.join(siteDir, 'content/posts'));
  const config = rssOnly
    ? [
        'baseURL = "https://bench.example.com/"',
        'languageCode = "ja"',
        // Pages stay in the RSS list but are never rendered to HTML.
        'disableKinds = ["section", "taxonomy", "term", "sitemap", "robotsTXT", "404"]',
        '[outputs]',
        '  home = ["RSS"]',
        '  page = []',
        '[services.rss]',
        '  limit = 20',
        '[[cascade]]',
        '  [cascade._build]',
        '    render = "never"',
        '    list = "always"',
        '  [cascade._target]',
        '    kind = "page"',
      ]
    : [
        'baseURL = "https://bench.example.com/"',
        'languageCode = "ja"',
        'disableKinds = ["taxonomy", "term", "sitemap", "robotsTXT", "404"]',
        '[services.rss]',
        '  limit = 20',
      ];
  writeFileSync(path.join(siteDir, 'hugo.toml'), `${config.join('\n')}\n`);
  if (!rssOnly) {
    // A post page comparable to tayori's: title, date, categories, tags, the full content.
    mkdirSync(path.join(siteDir, 'layouts/_default'), { recursive: true });
    writeFileSync(
      path.join(siteDir, 'layouts/_default/single.html'),
      '<!doctype html><html lang="ja"><head><meta charset="utf-8"><title>{{ .Title }}</title></head><body><article><h1>{{ .Title }}</h1><time>{{ .Date.Format "2006-01-02" }}</time><ul>{{ range .Params.categories }}<li>{{ . }}</li>{{ end }}{{ range .Params.tags }}<li>{{ . }}</li>{{ end }}</ul>{{ .Content }}</article></body></html>\n',
    );
    writeFileSync(path.join(siteDir, 'layouts/_default/list.html'), '<!doctype html><title>{{ .Title }}</title>\n');
  }
}
