import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, parseConfig } from '../../src/config/load.js';
import { projectRoot, tempDir } from '../helpers/paths.js';

const minimal = { site: { title: 'T', url: 'https://example.com', author: 'A' } };

describe('config', () => {
  const cleanups: (() => void)[] = [];
  afterEach(() => cleanups.splice(0).forEach((c) => c()));

  function writeConfig(text: string): string {
    const { dir, cleanup } = tempDir();
    cleanups.push(cleanup);
    const file = path.join(dir, 'tayori.yaml');
    writeFileSync(file, text);
    return file;
  }

  it('writes site.url as a URL goes on the wire: path percent-encoded, IDN host in punycode, one trailing slash', () => {
    expect(parseConfig({ site: { ...minimal.site, url: 'https://example.jp/ブログ' } }).site.url).toBe('https://example.jp/%E3%83%96%E3%83%AD%E3%82%B0/');
    expect(parseConfig({ site: { ...minimal.site, url: 'https://例え.テスト:8080/' } }).site.url).toBe('https://xn--r8jz45g.xn--zckzah:8080/');
    expect(() => parseConfig({ site: { ...minimal.site, url: 'https://example.com/?ref=1' } })).toThrow(/site\.url/);
    for (const url of ['https://example.com/blog?', 'https://example.com/blog#']) expect(() => parseConfig({ site: { ...minimal.site, url } }), url).toThrow(/site\.url/);
  });

  it('fills every default from a minimal file', () => {
    const config = parseConfig(minimal);
    expect(config.site.url).toBe('https://example.com/');
    expect(config.site.author).toEqual({ name: 'A' });
    expect(config.site.timezone).toBe('UTC');
    expect(config.feeds).toEqual({ items: 20, fullContent: true, perCategory: true, perTag: true });
    expect(config.paths.output).toBe('public');
    expect(config.permalink).toBe('/:year/:month/:day/:slug/');
    expect(config.digest.schedule).toBe('0 9 * * 1');
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('takes trustProxy as true, a hop count, or the proxies\' addresses and ranges', () => {
    for (const trustProxy of [true, 2, '10.0.0.0/8', 'loopback, 192.0.2.7', ['::1', '2001:db8::/32']]) {
      expect(parseConfig({ ...minimal, server: { trustProxy } }).server.trustProxy).toEqual(trustProxy);
    }
  });

  it('reads the shipped config/tayori.yaml', () => {
    const { config } = loadConfig({ cwd: projectRoot, env: {} });
    expect(config.site.language).toBe('ja');
    expect(config.site.timezone).toBe('Asia/Tokyo');
  });

  it.each([
    [{ site: { ...minimal.site, url: 'example.com' } }, /site\.url: got "example\.com", expected an absolute http\(s\) URL/],
    [{ site: { ...minimal.site, timezone: 'Mars/Olympus' } }, /site\.timezone: got "Mars\/Olympus", expected an IANA time zone/],
    [{ ...minimal, feeds: { items: 0 } }, /feeds\.items: got 0, expected/],
    [{ ...minimal, feeds: { items: 'many' } }, /feeds\.items: got "many", expected/],
    [{ site: { ...minimal.site, language: 'Japanese!' } }, /site\.language: got "Japanese!", expected a BCP 47 language tag/],
    [{ ...minimal, permalink: ':year/:slug' }, /permalink: got ":year\/:slug", expected a path pattern starting with \//],
    [{ ...minimal, feed: {} }, /unknown key\(s\) "feed"/],
    [{ site: { title: 'T', url: 'https://example.com' } }, /site\.author: got nothing, expected/],
    [{ ...minimal, server: { trustProxy: 'proxy.internal' } }, /server\.trustProxy: got "proxy\.internal", expected IP addresses or CIDR ranges/],
    [{ ...minimal, server: { trustProxy: '10.0.0.0/33' } }, /server\.trustProxy: got "10\.0\.0\.0\/33"/],
    [{ ...minimal, server: { trustProxy: ['10.0.0.1', 'nginx'] } }, /server\.trustProxy\.1: got "nginx"/],
  ])('names the key, the value and what is expected (%#)', (input, message) => {
    expect(() => parseConfig(input, 'x.yaml')).toThrowError(ConfigError);
    expect(() => parseConfig(input, 'x.yaml')).toThrowError(message);
  });

  it('reports broken YAML with the file and line', () => {
    const file = writeConfig('site:\n  title: "T\n  url: x\n');
    expect(() => loadConfig({ file, env: {} })).toThrowError(new RegExp(`${file.replace(/[/.]/g, '\\$&')}:\\d+: not valid YAML`));
  });

  it('takes --config, then TAYORI_CONFIG, and lets flags and TAYORI_DB override paths', () => {
    const a = writeConfig('site: { title: A, url: "https://a.example", author: x }\n');
    const b = writeConfig('site: { title: B, url: "https://b.example", author: x }\n');
    expect(loadConfig({ env: { TAYORI_CONFIG: a } }).config.site.title).toBe('A');
    expect(loadConfig({ file: b, env: { TAYORI_CONFIG: a } }).config.site.title).toBe('B');
    const loaded = loadConfig({ file: a, env: { TAYORI_DB: '/tmp/x.sqlite' }, overrides: { posts: 'p', output: 'o' } });
    expect(loaded.config.paths).toMatchObject({ posts: 'p', output: 'o', database: '/tmp/x.sqlite' });
  });

  it('says how to fix a missing file', () => {
    expect(() => loadConfig({ file: '/nonexistent/tayori.yaml', env: {} })).toThrowError(/file not found; pass --config FILE or set TAYORI_CONFIG/);
  });
});
