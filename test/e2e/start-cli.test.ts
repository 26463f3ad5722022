import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCliAsync } from '../helpers/cli.js';
import { tempDir } from '../helpers/paths.js';

/** `tayori start` refusing to run, with a message that says why (compiled CLI: run tsc first). */
const temp = tempDir('tayori-start-cli-');
afterAll(() => temp.cleanup());

function config(name: string, schedule: string): string {
  const file = path.join(temp.dir, name);
  writeFileSync(file, `site:\n  title: "T"\n  url: "https://example.com/"\n  author: "A"\ndigest:\n  schedule: "${schedule}"\n`);
  return file;
}

describe('tayori start: usage errors', () => {
  it('names the key of a bad cron expression and exits 2', async () => {
    const result = await runCliAsync(['start', '--config', config('bad.yaml', 'every monday'), '--port', '0'], { cwd: temp.dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('digest.schedule: got "every monday"');
  });

  it('says so when the port is taken, and exits 1', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      const result = await runCliAsync(['start', '--config', config('ok.yaml', '0 9 * * 1'), '--port', String(port)], { cwd: temp.dir });
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(`127.0.0.1:${port} is in use`);
    } finally {
      blocker.close();
    }
  });

  it('a configuration error in the environment or a template ends start-up with exit 2, one line, before the port opens', async () => {
    const file = config('cfg-errors.yaml', '0 9 * * 1');
    const cases: [NodeJS.ProcessEnv, string, RegExp][] = [
      [{ SMTP_URL: 'http://x' }, '', /^tayori: SMTP_URL: scheme http: is not supported; use smtp:\/\/ .*\n$/],
      [{ DKIM_PRIVATE_KEY: 'x' }, '', /^tayori: DKIM_PRIVATE_KEY is set but config mail\.dkim .*\n$/],
      [{}, 'post.html.liquid', /^tayori: .*\/templates\/post\.html\.liquid:2:1: tag \{% if post %\} not closed; fix the Liquid syntax\n$/],
      [{}, 'digest.txt.liquid', /^tayori: .*\/templates\/digest\.txt\.liquid:2:1: tag \{% if post %\} not closed; fix the Liquid syntax\n$/],
    ];
    for (const [env, template, message] of cases) {
      const templates = path.join(temp.dir, 'templates');
      rmSync(templates, { recursive: true, force: true });
      if (template) {
        mkdirSync(templates, { recursive: true });
        writeFileSync(path.join(templates, template), '<p>\n{% if post %}\n');
      }
      const result = await runCliAsync(['start', '--config', file, '--port', '0'], { cwd: temp.dir, env: { SMTP_URL: '', DKIM_PRIVATE_KEY: '', ...env } });
      expect(result.stderr, JSON.stringify(env) + template).toMatch(message);
      expect(result.code).toBe(2);
      expect(result.stdout).not.toContain('http.listening');
    }
  });

  it('rejects a port that is not a number', async () => {
    const result = await runCliAsync(['start', '--config', config('ok2.yaml', '0 9 * * 1'), '--port', 'http'], { cwd: temp.dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--port: got "http"');
  });
});
