import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { openDb } from '../../src/store/db.js';
import { addSubscriber } from '../../src/store/subscribers.js';
import { runCliAsync } from '../helpers/cli.js';
import { projectRoot, tempDir } from '../helpers/paths.js';
import { startTestSmtp, type TestSmtp } from '../mail/smtp.js';
import { writeWeek } from './support.js';

/**
 * kill -9 in the middle of a digest to a few hundred subscribers, then `tayori digest send`
 * again: everybody gets it, and nobody gets it twice beyond the messages in flight at the kill,
 * which the pool size bounds: at most twice mail.connections (one message sending on each
 * connection and one waiting, so results can be committed in groups).
 */
const NOW = '2026-11-16T09:00:00+09:00';
const SUBSCRIBERS = 300;
const CONNECTIONS = 4;
const IN_FLIGHT_BOUND = 2 * CONNECTIONS;
let temp: ReturnType<typeof tempDir>;
let smtp: TestSmtp;
let dbFile: string;

beforeAll(async () => {
  temp = tempDir('tayori-kill-');
  mkdirSync(path.join(temp.dir, 'config'));
  writeFileSync(
    path.join(temp.dir, 'config/tayori.yaml'),
    `site: { title: "Kill test", url: "https://news.example.com/", language: en, author: A, timezone: UTC }\n` +
      `digest: { from: "News <digest@news.example.com>" }\nmail: { connections: ${CONNECTIONS}, retryDelay: 0.01 }\n`,
  );
  writeWeek(path.join(temp.dir, 'posts'));
  dbFile = path.join(temp.dir, 'tayori.sqlite');
  const db = openDb(dbFile);
  db.transaction(() => {
    for (let i = 0; i < SUBSCRIBERS; i++) addSubscriber(db, { email: `r${i}@example.org`, source: 'import', status: 'active' }, new Date(NOW));
  })();
  db.close();
  // Slow server: each message is held 15 ms before "250 OK", so the kill lands mid-send.
  smtp = await startTestSmtp({ dataDelayMs: 15 });
});
afterAll(async () => {
  await smtp.close();
  temp.cleanup();
});

describe('crash safety', () => {
  it('SIGKILL mid-send, then resume: everyone gets the digest, duplicates ≤ pool size', async () => {
    const env = { ...process.env, TAYORI_DB: dbFile, SMTP_URL: smtp.url };
    const child = spawn(process.execPath, [path.join(projectRoot, 'bin/tayori.js'), 'digest', 'send', '--now', NOW, '--config', 'config/tayori.yaml'], {
      cwd: temp.dir,
      env,
      stdio: 'ignore',
    });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    await smtp.waitFor(SUBSCRIBERS / 3, 60_000);
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    await new Promise((r) => setTimeout(r, 100)); // messages held by the server at the kill land now
    const beforeResume = smtp.received.length;
    expect(beforeResume).toBeLessThan(SUBSCRIBERS); // the kill really was mid-send

    // The ledger shows the interrupted digest, with at most 2 × CONNECTIONS deliveries in flight.
    const db = openDb(dbFile);
    const sending = (db.prepare("SELECT COUNT(*) AS n FROM deliveries WHERE status = 'sending'").get() as { n: number }).n;
    db.close();
    expect(sending).toBeLessThanOrEqual(IN_FLIGHT_BOUND);

    smtp.behaviour.dataDelayMs = 0;
    const resume = await runCliAsync(['digest', 'send', '--now', NOW, '--config', 'config/tayori.yaml'], { cwd: temp.dir, env });
    expect(resume.stderr).toBe('');
    expect(resume.code).toBe(0);
    expect(resume.stdout).toMatch(/^Resumed digest #1/m);
    if (process.env.SHOW) console.log(resume.stdout, beforeResume, sending);

    const copies = new Map<string, string[]>();
    for (const r of smtp.received) {
      const list = copies.get(r.rcptTo[0]!) ?? [];
      list.push(r.mail.messageId!);
      copies.set(r.rcptTo[0]!, list);
    }
    expect(copies.size).toBe(SUBSCRIBERS); // nobody missed
    const duplicates = [...copies.values()].filter((ids) => ids.length > 1);
    expect(duplicates.every((ids) => ids.length === 2)).toBe(true);
    expect(duplicates.length).toBeLessThanOrEqual(IN_FLIGHT_BOUND); // the in-flight bound
    expect(duplicates.length).toBeLessThanOrEqual(sending);
    // A duplicate carries the same Message-ID, so it is traceable (and hidden by many clients).
    for (const ids of duplicates) expect(ids[0]).toBe(ids[1]);

    const after = openDb(dbFile);
    const rows = after.prepare('SELECT status, COUNT(*) AS n FROM deliveries GROUP BY status').all();
    const digest = after.prepare('SELECT status FROM digests').all();
    after.close();
    expect(rows).toEqual([{ status: 'sent', n: SUBSCRIBERS }]);
    expect(digest).toEqual([{ status: 'sent' }]);
  });
});
