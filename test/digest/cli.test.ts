import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { openDb } from '../../src/store/db.js';
import { spawn } from 'node:child_process';
import { addSubscriber, setSubscriberStatus } from '../../src/store/subscribers.js';
import { mailCheck } from '../helpers/checkers.js';
import { runCliAsync } from '../helpers/cli.js';
import { projectRoot, tempDir } from '../helpers/paths.js';
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

function ledgerRows(file = dbFile): { digests: number; deliveries: number } {
  const db = openDb(file);
  try {
    const digests = (db.prepare('SELECT COUNT(*) AS n FROM digests').get() as { n: number }).n;
    const deliveries = (db.prepare('SELECT COUNT(*) AS n FROM deliveries').get() as { n: number }).n;
    return { digests, deliveries };
  } finally {
    db.close();
  }
}

const tayori = (args: string[], extraEnv: NodeJS.ProcessEnv = {}, configFile = 'config/tayori.yaml') =>
  runCliAsync([...args, '--config', configFile], { cwd: temp.dir, env: { ...env, ...extraEnv } });

/** A store of its own with `n` active subscribers, for runs that must leave the shared one alone. */
function freshStore(name: string, n = 3): string {
  const file = path.join(temp.dir, `store/${name}.sqlite`);
  const db = openDb(file);
  for (let i = 0; i < n; i++) addSubscriber(db, { email: `fresh${i}@example.org`, source: 'cli', status: 'active' }, new Date(NOW));
  db.close();
  return file;
}

/** A port nothing listens on (taken, then given back). */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const NO_STACK = /\n\s+at /;

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

  it('a posts folder that does not exist is a configuration error (exit 2), not "no new posts"', async () => {
    for (const args of [['digest', 'send'], ['digest', 'send', '--dry-run'], ['digest', 'preview']]) {
      const result = await tayori([...args, '--now', NOW, '--posts', 'no-such-posts']);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr).toBe(`tayori: paths.posts: there is no folder ${path.join(temp.dir, 'no-such-posts')} (no-such-posts, read from the working folder ${temp.dir}); run tayori from the site's folder, or set paths.posts (or --posts) to the folder of your posts\n`);
    }
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

  it('send with no active subscriber says so, exits 0 and leaves the ledger empty', async () => {
    const emptyDb = path.join(temp.dir, 'store/empty.sqlite');
    const db = openDb(emptyDb);
    addSubscriber(db, { email: 'pending@example.org', source: 'web', status: 'pending' }, new Date(NOW));
    db.close();
    const result = await tayori(['digest', 'send', '--now', NOW], { TAYORI_DB: emptyDb });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^No active subscribers: nothing sent; the 3 new post\(s\) wait for the next send\.$/m);
    expect(result.stdout).not.toMatch(/Sent digest/);
    const after = openDb(emptyDb);
    const digests = (after.prepare('SELECT COUNT(*) AS n FROM digests').get() as { n: number }).n;
    const sentPosts = (after.prepare('SELECT COUNT(*) AS n FROM sent_posts').get() as { n: number }).n;
    after.close();
    expect([digests, sentPosts]).toEqual([0, 0]);
    expect(smtp.received.length).toBe(0);
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

  it('send --dry-run on a digest a kill left unfinished lists exactly whom the resume sends to, and says it is a resume', async () => {
    const store = path.join(temp.dir, 'store/killed.sqlite');
    const setup = openDb(store);
    for (let i = 0; i < 40; i++) addSubscriber(setup, { email: `k${i}@example.org`, source: 'cli', status: 'active' }, new Date(NOW));
    setup.close();
    const slow = await startTestSmtp({ dataDelayMs: 40 });
    try {
      const child = spawn(process.execPath, [path.join(projectRoot, 'bin/tayori.js'), 'digest', 'send', '--now', NOW, '--config', 'config/tayori.yaml'], {
        cwd: temp.dir,
        env: { ...process.env, ...env, TAYORI_DB: store, SMTP_URL: slow.url },
        stdio: 'ignore',
      });
      const exited = new Promise((resolve) => child.on('exit', resolve));
      await slow.waitFor(8);
      child.kill('SIGKILL');
      await exited;
      await new Promise((r) => setTimeout(r, 300)); // messages the server held at the kill land now
      const db = openDb(store);
      const counts = Object.fromEntries((db.prepare('SELECT status, COUNT(*) AS n FROM deliveries GROUP BY status').all() as { status: string; n: number }[]).map((r) => [r.status, r.n]));
      // Someone still waiting for it unsubscribes before the resume.
      const leaving = (db.prepare("SELECT subscriber_id AS id FROM deliveries WHERE status = 'queued' ORDER BY id DESC LIMIT 1").get() as { id: number }).id;
      setSubscriberStatus(db, leaving, 'unsubscribed', new Date(NOW));
      db.close();
      const remaining = (counts.queued ?? 0) + (counts.sending ?? 0);
      expect(remaining).toBeGreaterThan(1); // the kill really was mid-send

      const dry = await tayori(['digest', 'send', '--dry-run', '--now', NOW], { TAYORI_DB: store, SMTP_URL: slow.url });
      expect(dry.code).toBe(0);
      expect(dry.stdout).toContain(
        `Dry run: the next send resumes unfinished digest #1 (${counts.sent ?? 0} already sent): ${remaining - 1} of its ${remaining} remaining delivery(ies) would get it, 1 no longer active would be skipped`,
      );
      const listed = dry.stdout.split('\n').filter((line) => line.includes('\t')).map((line) => line.split('\t')[0]!);
      expect(listed).toHaveLength(remaining - 1);

      const before = slow.received.length;
      const resume = await tayori(['digest', 'send', '--now', NOW], { TAYORI_DB: store, SMTP_URL: slow.url });
      expect(resume.code).toBe(0);
      expect(resume.stdout).toMatch(new RegExp(`^sent ${remaining - 1}, .* skipped 1, remaining 0;`, 'm'));
      expect(slow.received.slice(before).map((r) => r.rcptTo[0]).sort()).toEqual([...listed].sort());
    } finally {
      await slow.close();
    }
  });

  it('bad usage exits 2 with a message', async () => {
    const result = await tayori(['digest', 'send', '--dry-run', '--to', 'x@example.org']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--dry-run and --to/);
  });

  it('send --to takes exactly one valid address, checked as `subscribers add` checks it: exit 2, nothing sent', async () => {
    const before = smtp.received.length;
    const outbox = path.join(temp.dir, 'outbox');
    const emlCount = () => (existsSync(outbox) ? readdirSync(outbox).filter((f) => f.endsWith('.eml')).length : 0);
    const files = emlCount();
    for (const [to, reason] of [
      ['notanaddress', /the address has no "@"/],
      // A list would mail the test copy, with its dummy unsubscribe link, to a real subscriber.
      ['editor@example.org, reader0@example.org', /a space/],
      ['editor@example.org,reader0@example.org', /more than one "@"/],
    ] as const) {
      for (const smtpUrl of [smtp.url, '']) {
        const result = await tayori(['digest', 'send', '--to', to, '--now', NOW], { SMTP_URL: smtpUrl });
        expect(result.code, `${to} ${smtpUrl}`).toBe(2);
        expect(result.stderr).toMatch(new RegExp(`^tayori: --to: ${JSON.stringify(to).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is not one valid e-mail address: `));
        expect(result.stderr).toMatch(reason);
        expect(result.stderr).toMatch(/give a single address/);
        expect(result.stderr).not.toMatch(NO_STACK);
        expect(result.stdout).not.toContain('Test digest sent');
      }
    }
    expect(smtp.received.length).toBe(before);
    expect(emlCount()).toBe(files);
  });

  it('bad SMTP_URL, DKIM_PRIVATE_KEY without mail.dkim: exit 2, one line naming the variable and the fix, no stack trace', async () => {
    const store = freshStore('config-errors');
    const cases: [NodeJS.ProcessEnv, RegExp][] = [
      [{ SMTP_URL: 'http://x' }, /^tayori: SMTP_URL: scheme http: is not supported; use smtp:\/\/ .* or smtps:\/\/ .*\n$/],
      [{ SMTP_URL: 'smtp://u:p@127.0.0.1:99999' }, /^tayori: SMTP_URL: got "smtp:\/\/\*\*\*@127\.0\.0\.1:99999", expected smtp:\/\/user:pass@host:587 .*\n$/],
      [{ DKIM_PRIVATE_KEY: 'x' }, /^tayori: DKIM_PRIVATE_KEY is set but config mail\.dkim .* add mail\.dkim: .*\n$/],
    ];
    for (const [extra, message] of cases) {
      for (const args of [['digest', 'send'], ['digest', 'send', '--to', 'editor@example.org']]) {
        const result = await tayori([...args, '--now', NOW], { TAYORI_DB: store, ...extra });
        expect(result.stderr, `${JSON.stringify(extra)} ${args.join(' ')}`).toMatch(message);
        expect(result.code).toBe(2);
      }
    }
    expect(ledgerRows(store)).toEqual({ digests: 0, deliveries: 0 });
  });

  it('a Liquid syntax error in a digest template or digest.subject: exit 2 with file, line and fix; preview and send alike', async () => {
    const store = freshStore('template-errors');
    const templates = path.join(temp.dir, 'templates');
    mkdirSync(templates, { recursive: true });
    try {
      writeFileSync(path.join(templates, 'digest.html.liquid'), '<p>ok</p>\n<p>{{ site.title </p>\n');
      for (const args of [['digest', 'preview', '--out', 'pv-broken'], ['digest', 'send'], ['digest', 'send', '--dry-run']]) {
        const result = await tayori([...args, '--now', NOW], { TAYORI_DB: store });
        expect(result.stderr, args.join(' ')).toBe(`tayori: ${path.join(templates, 'digest.html.liquid')}:2:4: output "{{ site.title </p>\\n" not closed; fix the Liquid syntax\n`);
        expect(result.code).toBe(2);
      }
      rmSync(path.join(templates, 'digest.html.liquid'));
      writeFileSync(path.join(templates, 'digest.txt.liquid'), '{{ site.title }}\n{% for post in posts %}\n{{ post.title }}\n');
      const text = await tayori(['digest', 'send', '--now', NOW], { TAYORI_DB: store });
      expect(text.stderr).toMatch(/^tayori: .*digest\.txt\.liquid:2:1: tag \{% for post in posts %\} not closed; fix the Liquid syntax\n$/);
      expect(text.code).toBe(2);
    } finally {
      rmSync(templates, { recursive: true, force: true });
    }
    writeFileSync(path.join(temp.dir, 'config/bad-subject.yaml'), CONFIG.replace('digest:\n', 'digest:\n  subject: "{{ site.title | no_such_filter }}"\n'));
    for (const args of [['digest', 'preview', '--out', 'pv-broken'], ['digest', 'send']]) {
      const result = await tayori([...args, '--now', NOW], { TAYORI_DB: store }, 'config/bad-subject.yaml');
      expect(result.stderr).toBe('tayori: config key digest.subject (line 1, column 1): undefined filter: no_such_filter; fix the Liquid syntax\n');
      expect(result.code).toBe(2);
    }
    expect(ledgerRows(store)).toEqual({ digests: 0, deliveries: 0 });
    expect(existsSync(path.join(temp.dir, 'pv-broken'))).toBe(false);
  });

  it('a run the mail server stops says "not finished" first, with the counts, the reason and the rerun; exit 1', async () => {
    const unreachable = freshStore('unreachable');
    const down = await tayori(['digest', 'send', '--now', NOW], { TAYORI_DB: unreachable, SMTP_URL: `smtp://127.0.0.1:${await closedPort()}` });
    expect(down.code).toBe(1);
    expect(down.stdout).not.toMatch(/^Sent digest/m);
    expect(down.stdout).toMatch(/^Digest #1 not finished \(3 post\(s\)\): たより手帖/m);
    expect(down.stdout).toMatch(/sent 0, retried \d+, failed 0, bounced 0, skipped 0, remaining 3;/);
    expect(down.stderr).toMatch(/^tayori: digest #1 not finished, 3 still queued: the mail server is unreachable \(.*ECONNREFUSED.*\).*rerun `tayori digest send` to resume\n$/);

    const refusing = await startTestSmtp({ refuseLogin: true });
    try {
      const store = freshStore('refused-login');
      const refused = await tayori(['digest', 'send', '--now', NOW], { TAYORI_DB: store, SMTP_URL: `smtp://u:wrong@127.0.0.1:${refusing.port}` });
      expect(refused.code).toBe(1);
      expect(refused.stdout).toMatch(/^Digest #1 not finished \(3 post\(s\)\)/m);
      expect(refused.stdout).toMatch(/sent 0, .*remaining 3;/);
      expect(refused.stderr).toMatch(/^tayori: digest #1 not finished, 3 still queued: .*login.*fix SMTP_URL .*rerun `tayori digest send`/);
      // Resumed against a working server: the heading says so, and the run finishes.
      const resumed = await tayori(['digest', 'send', '--now', NOW], { TAYORI_DB: store });
      expect(resumed.code).toBe(0);
      expect(resumed.stdout).toMatch(/^Resumed digest #1 \(3 post\(s\)\)/m);
      expect(refusing.received.length).toBe(0);
    } finally {
      await refusing.close();
    }
    smtp.received.length = 0;
  });

  it('smtps:// to a server without TLS is a configuration error with the fix, not "unreachable"; the run stops at once', async () => {
    const store = freshStore('tls');
    const url = `smtps://127.0.0.1:${smtp.port}`;
    const started = Date.now();
    const result = await tayori(['digest', 'send', '--now', NOW], { TAYORI_DB: store, SMTP_URL: url });
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^Digest #1 not finished/m);
    expect(result.stderr).not.toMatch(/unreachable/);
    expect(result.stderr).toMatch(/TLS handshake with the mail server failed \(ERR_SSL_WRONG_VERSION_NUMBER: wrong version number\)/);
    expect(result.stderr).toMatch(/smtps:\/\/ is for a port that speaks TLS from the start \(usually 465\).*needs smtp:\/\/, which upgrades with STARTTLS/);
    expect(result.stdout).toMatch(/retried 0,/); // stopped at the first answer, no backing off
    expect(Date.now() - started).toBeLessThan(15_000);

    const test = await tayori(['digest', 'send', '--to', 'editor@example.org', '--now', NOW], { TAYORI_DB: store, SMTP_URL: url });
    expect(test.code).toBe(1);
    expect(test.stderr).toMatch(/^tayori: test digest to editor@example\.org not sent: TLS handshake with the mail server failed .*smtp:\/\/.*\n$/);
    expect(test.stderr).not.toMatch(NO_STACK);
    expect(smtp.received.length).toBe(0);
  });
});
