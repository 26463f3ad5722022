import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { openDb } from '../../src/store/db.js';
import { addSubscriber } from '../../src/store/subscribers.js';
import { mailCheck } from '../helpers/checkers.js';
import { runCliAsync } from '../helpers/cli.js';
import { tempDir } from '../helpers/paths.js';
import { startTestSmtp, type TestSmtp } from '../mail/smtp.js';
import { writeWeek } from './support.js';

/** End to end through the compiled bin (run `npx tsc -p tsconfig.json` first). */
const NOW = '2026-11-16T09:00:00+09:00';
let temp: ReturnType<typeof tempDir>;
let smtp: TestSmtp;
let env: NodeJS.ProcessEnv;
let dbFile: string;

const CONFIG = `site:
  title: "たより手帖 & Notes"
  url: "https://news.example.com/"
  language: ja
  author: "たより編集部"
  timezone: Asia/Tokyo
digest:
  from: "たより手帖 <digest@news.example.com>"
mail:
  connections: 2
  retryDelay: 0.01
`;

function ledgerRows(): { digests: number; deliveries: number } {
  const db = openDb(dbFile);
  try {
    const digests = (db.prepare('SELECT COUNT(*) AS n FROM digests').get() as { n: number }).n;
    const deliveries = (db.prepare('SELECT COUNT(*) AS n FROM deliveries').get() as { n: number }).n;
    return { digests, deliveries };
  } finally {
    db.close();
  }
}

const tayori = (args: string[], extraEnv: NodeJS.ProcessEnv = {}) =>
  runCliAsync([...args, '--config', 'config/tayori.yaml'], { cwd: temp.dir, env: { ...env, ...extraEnv } });

beforeAll(async () => {
  temp = tempDir('tayori-digest-cli-');
  mkdirSync(path.join(temp.dir, 'config'), { recursive: true });
  writeFileSync(path.join(temp.dir, 'config/tayori.yaml'), CONFIG);
  writeWeek(path.join(temp.dir, 'posts'));
  dbFile = path.join(temp.dir, 'store/test.sqlite');
  const db = openDb(dbFile);
  for (let i = 0; i < 4; i++) addSubscriber(db, { email: `reader${i}@example.org`, source: 'cli', status: 'active' }, new Date(NOW));
  addSubscriber(db, { email: 'cook@example.org', source: 'cli', status: 'active', categories: ['cooking'] }, new Date(NOW));
  addSubscriber(db, { email: 'gone@example.org', source: 'cli', status: 'unsubscribed' }, new Date(NOW));
  db.close();
  smtp = await startTestSmtp();
  env = { TAYORI_DB: dbFile, SMTP_URL: smtp.url, TAYORI_CONFIG: '' };
});
afterAll(async () => {
  await smtp.close();
  temp.cleanup();
});

describe('tayori digest (built CLI)', () => {
  it('preview writes the HTML and text, prints the subject, changes nothing', async () => {
    const result = await tayori(['digest', 'preview', '--now', NOW, '--out', 'pv']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Subject: たより手帖 & Notes 週刊ダイジェスト 2026年11月9日〜2026年11月16日（3件）');
    const html = readFileSync(path.join(temp.dir, 'pv/digest-preview.html'), 'utf8');
    expect(html).toContain('道具 &lt;b&gt;と&lt;/b&gt; &amp; 工夫');
    expect(readFileSync(path.join(temp.dir, 'pv/digest-preview.txt'), 'utf8')).toContain('週末の散歩');
    expect(result.stdout).toContain(path.join(temp.dir, 'pv/digest-preview.html'));
    expect(ledgerRows()).toEqual({ digests: 0, deliveries: 0 });
    expect(smtp.received.length).toBe(0);
  });

  it('send --dry-run says who would get what and sends nothing', async () => {
    const result = await tayori(['digest', 'send', '--dry-run', '--now', NOW]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/reader0@example\.org\t3 post\(s\): たより手帖/);
    expect(result.stdout).toMatch(/cook@example\.org\tnothing/);
    expect(result.stdout).not.toContain('gone@example.org');
    expect(result.stdout).toContain('4 of 5 active subscriber(s) would get the digest');
    expect(ledgerRows()).toEqual({ digests: 0, deliveries: 0 });
    expect(smtp.received.length).toBe(0);
  });

  it('send --to mails one test copy and leaves the ledger alone', async () => {
    const result = await tayori(['digest', 'send', '--to', 'editor@example.org', '--now', NOW]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    await smtp.waitFor(1);
    expect(smtp.received.map((r) => r.rcptTo[0])).toEqual(['editor@example.org']);
    expect(smtp.received[0]!.mail.subject).toContain('週刊ダイジェスト');
    expect(ledgerRows()).toEqual({ digests: 0, deliveries: 0 });
    smtp.received.length = 0;
  });

  it('send delivers to every active subscriber with a summary; the next run has nothing new; status shows it', async () => {
    const result = await tayori(['digest', 'send', '--now', NOW]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/progress: /);
    expect(result.stdout).toMatch(/sent 4, retried 0, failed 0, bounced 0, skipped 1, remaining 0; [\d.]+ s, [\d.]+ messages\/s \(smtp\)/);
    expect(smtp.received.map((r) => r.rcptTo[0]).sort()).toEqual(['reader0@example.org', 'reader1@example.org', 'reader2@example.org', 'reader3@example.org']);
    const check = mailCheck(smtp.writeEml(path.join(temp.dir, 'received')));
    expect(check.output).toContain('verdict: PASS (4 messages)');

    const again = await tayori(['digest', 'send', '--now', '2026-11-16T10:00:00+09:00']);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/No new posts since .*: no digest sent/);
    expect(smtp.received.length).toBe(4);

    const status = await tayori(['digest', 'status']);
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/#1 sent .* posts 3 {2}sent 4 {2}queued 0 {2}failed 0 {2}skipped 1 {2}たより手帖/);
  });

  it('without SMTP_URL the digest goes to the outbox folder as .eml files that mail-check accepts', async () => {
    writeFileSync(
      path.join(temp.dir, 'posts/2026-11-20-outbox.md'),
      '---\ntitle: "アウトボックス"\ndate: 2026-11-20 10:00:00 +0900\n---\n\n送信箱へ。\n',
    );
    const result = await tayori(['digest', 'send', '--now', '2026-11-23T09:00:00+09:00'], { SMTP_URL: '' });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('(outbox)');
    const outbox = path.join(temp.dir, 'outbox');
    expect(existsSync(outbox)).toBe(true);
    expect(readdirSync(outbox).filter((f) => f.endsWith('.eml')).length).toBe(4);
    const check = mailCheck(outbox);
    expect(check.output).toContain('verdict: PASS (4 messages)');
  });

  it('bad usage exits 2 with a message', async () => {
    const result = await tayori(['digest', 'send', '--dry-run', '--to', 'x@example.org']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--dry-run and --to/);
  });
});
