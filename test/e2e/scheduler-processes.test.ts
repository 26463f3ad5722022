import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDb } from '../../src/store/db.js';
import { listDue } from '../../src/store/locks.js';
import { addSubscriber } from '../../src/store/subscribers.js';
import { projectRoot, tempDir } from '../helpers/paths.js';
import { writePosts } from '../server/fixtures.js';
import { startSmtp } from '../server/smtp.js';

/**
 * Two real `tayori start` processes on one store, with a digest due every 2 seconds: only the
 * lock holder sends, every due time is handled once, and the one subscriber gets one digest
 * (later due times find no new posts). Uses the compiled CLI: run `npx tsc -p tsconfig.json` first.
 */
const temp = tempDir('tayori-e2e-two-');
const bin = path.join(projectRoot, 'bin/tayori.js');
const children: ChildProcess[] = [];
afterAll(() => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  temp.cleanup();
});

function start(env: NodeJS.ProcessEnv): Promise<{ child: ChildProcess; log: () => string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, 'start', '--config', 'tayori.yaml', '--port', '0'], { cwd: temp.dir, env: { ...process.env, ...env } });
    children.push(child);
    let output = '';
    const onData = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      if (output.includes('"event":"scheduler.started"')) resolve({ child, log: () => output });
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => reject(new Error(`exited with ${code}:\n${output}`)));
  });
}

const exitOf = (child: ChildProcess) =>
  child.exitCode !== null ? Promise.resolve(child.exitCode) : new Promise<number | null>((r) => child.once('exit', (code) => r(code)));

describe('two tayori start processes, one store', () => {
  it('never both send: each due time is handled once, by the lock holder', async () => {
    const smtp = await startSmtp();
    writePosts(path.join(temp.dir, 'posts'));
    writeFileSync(
      path.join(temp.dir, 'tayori.yaml'),
      'site:\n  title: "T"\n  url: "https://example.com/"\n  author: "A"\n  language: ja\ndigest:\n  schedule: "*/2 * * * * *"\n  lookback: 3650\n  catchUp: 1\n  from: "T <news@example.com>"\n',
    );
    const db = openDb(path.join(temp.dir, 'data/tayori.sqlite'));
    addSubscriber(db, { email: 'only@example.com', source: 'cli' }, new Date(Date.now() - 60_000));
    try {
      const a = await start({ SMTP_URL: smtp.url });
      const b = await start({ SMTP_URL: smtp.url });
      const deadline = Date.now() + 30_000;
      while (listDue(db).filter((d) => d.outcome === 'sent').length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
      a.child.kill('SIGTERM');
      b.child.kill('SIGTERM');
      expect(await exitOf(a.child)).toBe(0);
      expect(await exitOf(b.child)).toBe(0);

      const dues = listDue(db);
      expect(dues.filter((d) => d.outcome === 'sent').length).toBeGreaterThanOrEqual(3);
      const started = [a.log(), b.log()].map((log) => log.split('\n').filter((line) => line.includes('"event":"digest.started"')).length);
      expect(started.filter((n) => n > 0)).toHaveLength(1); // one sender
      expect(Math.max(...started)).toBe(dues.filter((d) => d.outcome !== 'skipped').length);
      expect([a.log(), b.log()].some((log) => log.includes('"event":"scheduler.lock-held"'))).toBe(true);
      // The first due time carried the posts; the later ones had nothing new.
      await new Promise((r) => setTimeout(r, 300));
      expect(smtp.messages).toHaveLength(1);
      expect(JSON.stringify(smtp.messages[0]!.to)).toContain('only@example.com');
    } finally {
      db.close();
      await smtp.close();
    }
  });
});
