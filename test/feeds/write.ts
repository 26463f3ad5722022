import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import type { Config } from '../../src/config/schema.js';
import type { FullPost } from '../../src/content/post.js';
import { planFeeds, renderFeeds, type OutputFile } from '../../src/feeds/index.js';

/** What `tayori build` does with the feed writers, minus the loader: plan, render, write. */
export function renderAll(config: Config, posts: FullPost[]): OutputFile[] {
  const byId = new Map(posts.map((post) => [post.id, post]));
  return planFeeds(config, posts).flatMap((spec) =>
    renderFeeds(
      config,
      spec,
      spec.posts.map((post) => byId.get(post.id)!),
    ),
  );
}

export function writeAll(dir: string, files: OutputFile[]): string[] {
  return files.map((file) => {
    const target = path.join(dir, file.path);
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, file.contents);
    return target;
  });
}

export function contentsOf(files: OutputFile[], relative: string): string {
  const file = files.find((f) => f.path === relative);
  if (!file) throw new Error(`no ${relative} among ${files.map((f) => f.path).join(', ')}`);
  return file.contents;
}

/**
 * Reads items back with Python's own XML parser (xml.etree, independent of this project):
 * the exact text of each title, summary and body after XML decoding.
 */
export interface ParsedItem {
  id: string;
  title: string;
  summary: string;
  content: string | null;
}

const PARSE_SCRIPT = `
import json, sys, xml.etree.ElementTree as ET
ns = {'a': 'http://www.w3.org/2005/Atom', 'content': 'http://purl.org/rss/1.0/modules/content/'}
root = ET.parse(sys.argv[1]).getroot()
out = []
if root.tag == 'rss':
    for item in root.iter('item'):
        c = item.find('content:encoded', ns)
        out.append({'id': item.findtext('guid'), 'title': item.findtext('title'), 'summary': item.findtext('description'), 'content': None if c is None else c.text})
else:
    for e in root.findall('a:entry', ns):
        c = e.find('a:content', ns)
        out.append({'id': e.findtext('a:id', namespaces=ns), 'title': e.findtext('a:title', namespaces=ns), 'summary': e.findtext('a:summary', namespaces=ns), 'content': None if c is None else c.text})
print(json.dumps(out))
`;

export function parseItemsWithPython(file: string): ParsedItem[] {
  const result = spawnSync('/usr/bin/python3', ['-c', PARSE_SCRIPT, file], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`python xml.etree could not parse ${file}:\n${result.stderr}`);
  return JSON.parse(result.stdout) as ParsedItem[];
}
