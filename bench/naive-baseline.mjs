// The naive baseline the build benchmark compares against: read and parse every post with
// gray-matter and marked, then write an RSS feed of the newest 20 with the `feed` package.
// usage: node bench/naive-baseline.mjs POSTS_DIR OUT_FILE
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import matter from 'gray-matter';
import { marked } from 'marked';
import { Feed } from 'feed';

const [dir, out] = process.argv.slice(2);
const posts = readdirSync(dir)
  .filter((name) => name.endsWith('.md'))
  .map((name) => {
    const { data, content } = matter(readFileSync(path.join(dir, name), 'utf8'));
    return { name, data, html: marked.parse(content) };
  });
posts.sort((a, b) => new Date(b.data.date.replace(' +0000', 'Z')) - new Date(a.data.date.replace(' +0000', 'Z')));
const feed = new Feed({ title: 'naive', id: 'https://example.com/', link: 'https://example.com/', copyright: '' });
for (const post of posts.slice(0, 20)) {
  feed.addItem({
    title: post.data.title,
    link: `https://example.com/${post.name}`,
    date: new Date(post.data.date.replace(' +0000', 'Z')),
    content: post.html,
  });
}
writeFileSync(out, feed.rss2());
