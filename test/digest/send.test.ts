import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import net from 'node:net';
import path from 'node:path';
import type { Config } from '../../src/config/schema.js';
import { RateLimiter, SEND_LOCK, sendDigest } from '../../src/digest/run.js';
import { acquireLock } from '../../src/store/locks.js';
import { systemClock } from '../../src/clock.js';
import { createMailer, type Mailer } from '../../src/mail/transport.js';
import { openDb, type Db } from '../../src/store/db.js';
import { deliveryCounts, listDigests } from '../../src/store/ledger.js';
import { addSubscriber, findSubscriberById, setSubscriberStatus } from '../../src/store/subscribers.js';
import { escapeAttribute } from '../../src/digest/render.js';
import { mailCheck } from '../helpers/checkers.js';
import { expectFormattingKept, expectNothingHostile, HOSTILE_TITLE, linkStyle, linkTags, writeHostilePost } from '../helpers/hostile-excerpt.js';
import { tempDir } from '../helpers/paths.js';
import { startTestSmtp, type TestSmtp } from '../mail/smtp.js';
import { addActive, digestConfig, loadFull, MONDAY, postsAt, writePost, writeWeek } from './support.js';

let temp: ReturnType<typeof tempDir>;
let smtp: TestSmtp;
let db: Db;
let mailer: Mailer;
let postsDir: string;

async function setup(config: Config, behaviour: Parameters<typeof startTestSmtp>[0] = {}) {
  smtp = await startTestSmtp(behaviour);
  mailer = createMailer(config, { SMTP_URL: smtp.url }, path.join(temp.dir, 'outbox'));
}

function send(config: Config, now = MONDAY, extra: Partial<Parameters<typeof sendDigest>[0]> = {}) {
  return sendDigest({ config, db, mailer, posts: postsAt(postsDir, config, now), loadFull, now, ...extra });
}

beforeEach(() => {
  temp = tempDir('tayori-send-');
  postsDir = path.join(temp.dir, 'posts');
  writeWeek(postsDir);
  db = openDb(path.join(temp.dir, 'tayori.sqlite'));
});
afterEach(async () => {
  await mailer?.close();
  await smtp?.close();
  db.close();
  temp.cleanup();
});

describe('sendDigest through a real SMTP server', () => {
  it('delivers one well-formed message per subscriber, with headers, MIME, Japanese subject and a personal unsubscribe link', async () => {
    const config = digestConfig();
    await setup(config);
    const ids = addActive(db, 5, MONDAY);
    const summary = await send(config);
    expect(summary).toMatchObject({ status: 'sent', posts: 3, recipients: 5, sent: 5, failed: 0, remaining: 0 });
    expect(smtp.received.length).toBe(5);
    const recipients = smtp.received.map((r) => r.rcptTo.join(',')).sort();
    expect(recipients).toEqual(ids.map((_, i) => `reader${i}@example.org`).sort());

    for (const { mail, raw: bytes } of smtp.received) {
      // The header block, unfolded (long headers are folded onto several lines on the wire).
      const raw = bytes.toString('latin1').split('\r\n\r\n')[0]!.replace(/\r\n[ \t]+/g, ' ');
      const to = (mail.to as { value: Array<{ address: string }> }).value[0]!.address;
      const subscriber = findSubscriberById(db, ids[Number(/reader(\d+)/.exec(to)![1])]!)!;
      expect(mail.subject).toBe('たより手帖 & Notes 週刊ダイジェスト 2026年11月9日〜2026年11月16日（3件）');
      expect(mail.from?.value[0]?.address).toBe('digest@news.example.com');
      expect(raw).toMatch(/^Content-Type: multipart\/alternative/im);
      expect(raw).toMatch(/^List-Unsubscribe-Post: List-Unsubscribe=One-Click$/m);
      
      const unsubscribe = `https://news.example.com/unsubscribe?token=${subscriber.token}`;
      expect(raw).toContain(`List-Unsubscribe: <${unsubscribe}>`);
      expect(raw).toMatch(/^List-Id: <digest\.news\.example\.com>/im);
      expect(mail.messageId).toMatch(new RegExp(`^<digest\\.[0-9a-f]{12}\\.${subscriber.id}@news\\.example\\.com>$`));
      expect(mail.date).toBeInstanceOf(Date);
      expect(mail.html).toContain(`href="${unsubscribe}"`);
      expect(mail.text).toContain(unsubscribe);
      expect(mail.html).toContain('<strong>抜粋</strong>');
      expect(mail.html).toContain('道具 &lt;b&gt;と&lt;/b&gt; &amp; 工夫');
      expect(mail.text).toContain('An English excerpt about feeds.');
      expect(mail.html).not.toContain('古い記事'); // older than the lookback
      expect(mail.html).not.toContain('下書き');
      expect(mail.html).not.toContain('未来');
    }
    const check = mailCheck(smtp.writeEml(path.join(temp.dir, 'received')));
    expect(check.output).toContain('verdict: PASS');
    expect(check.ok).toBe(true);

    const [digest] = listDigests(db, 5);
    expect(digest).toMatchObject({ status: 'sent', counts: { sent: 5, queued: 0, failed: 0 } });
  });

  it('an excerpt with its own CSS, scripts and frames: every message keeps its links visible and carries none of it', async () => {
    const config = digestConfig();
    await setup(config);
    writeHostilePost(postsDir, '2026-11-11 10:00:00 +0900', '2026-11-11-hostile.md');
    const ids = addActive(db, 3, MONDAY);
    expect(await send(config)).toMatchObject({ status: 'sent', posts: 4, sent: 3, failed: 0 });
    expect(smtp.received.length).toBe(3);
    for (const { mail } of smtp.received) {
      const html = mail.html as string;
      const text = mail.text ?? '';
      const to = (mail.to as { value: Array<{ address: string }> }).value[0]!.address;
      const subscriber = findSubscriberById(db, ids[Number(/reader(\d+)/.exec(to)![1])]!)!;
      const unsubscribe = `https://news.example.com/unsubscribe?token=${subscriber.token}`;
      // The personal unsubscribe link is there, styled by digest.css only (`.footer a`).
      const style = linkStyle(html, escapeAttribute(unsubscribe));
      expect(style, 'unsubscribe link').toBeTruthy();
      expect(style).not.toMatch(/display|font-size/);
      for (const tag of linkTags(html)) expect(tag).not.toMatch(/display\s*:\s*none/);
      expect(html).toContain(HOSTILE_TITLE);
      expectFormattingKept(html);
      expectNothingHostile(`HTML to ${to}`, html);
      expectNothingHostile(`text to ${to}`, text);
      expect(text).toContain('Intro with strong words, emphasis, a normal link, inline code and');
      expect(text).toContain(unsubscribe);
    }
    const check = mailCheck(smtp.writeEml(path.join(temp.dir, 'received')));
    expect(check.output).toContain('verdict: PASS');
    expect(check.ok).toBe(true);
  });

  it('no new posts: no e-mail; a second run in the same week sends nothing twice', async () => {
    const config = digestConfig();
    await setup(config);
    addActive(db, 2, MONDAY);
    expect((await send(config)).status).toBe('sent');
    const again = await send(config, new Date(MONDAY.getTime() + 3600_000));
    expect(again.status).toBe('no-posts');
    expect(smtp.received.length).toBe(2);
    // The same key twice is a no-op even with posts around.
    writePost(postsDir, '2026-11-16-extra.md', { title: 'extra', date: '2026-11-16 08:00:00 +0900' }, 'x\n');
    expect((await send(config, MONDAY, { key: `manual:${MONDAY.toISOString()}` })).status).toBe('already-sent');
    expect(smtp.received.length).toBe(2);
  });

  it('no active subscriber (pending, unsubscribed): no digest is planned and the posts stay new for the first real one', async () => {
    const config = digestConfig();
    await setup(config);
    addSubscriber(db, { email: 'pending@example.org', source: 'web', status: 'pending' }, MONDAY);
    addSubscriber(db, { email: 'gone@example.org', source: 'cli', status: 'unsubscribed' }, MONDAY);
    const empty = await send(config);
    expect(empty).toMatchObject({ status: 'no-subscribers', posts: 3, sent: 0, recipients: 0 });
    expect(empty.digestId).toBeUndefined();
    const count = (table: string) => (db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;
    expect([count('digests'), count('sent_posts'), count('deliveries')]).toEqual([0, 0, 0]);
    expect(smtp.received.length).toBe(0);

    // The first subscribers confirm two weeks later (past digest.lookback), and a new post came:
    // the posts that were waiting still go out, with the new one.
    const later = new Date(MONDAY.getTime() + 14 * 86_400_000);
    writePost(postsDir, '2026-11-27-new.md', { title: '"新しい記事"', date: '2026-11-27 10:00:00 +0900' }, '新しい記事です。\n');
    addActive(db, 2, later);
    const first = await send(config, later);
    expect(first).toMatchObject({ status: 'sent', posts: 4, sent: 2 });
    expect(smtp.received.map((r) => r.rcptTo[0]).sort()).toEqual(['reader0@example.org', 'reader1@example.org']);
  });

  it('a post added late with an older date goes out once, in the next digest', async () => {
    const config = digestConfig();
    await setup(config);
    addActive(db, 2, MONDAY);
    await send(config);
    writePost(postsDir, '2026-11-11-late.md', { title: '"遅れて追加"', date: '2026-11-11 12:00:00 +0900' }, '後から追加した記事。\n');
    const nextWeek = new Date(MONDAY.getTime() + 7 * 86_400_000);
    const second = await send(config, nextWeek);
    expect(second).toMatchObject({ status: 'sent', posts: 1, sent: 2 });
    const latest = smtp.received.slice(2);
    expect(latest.every((r) => r.mail.html && r.mail.html.includes('遅れて追加') && !r.mail.html.includes('週末の散歩'))).toBe(true);
    expect((await send(config, new Date(nextWeek.getTime() + 7 * 86_400_000))).status).toBe('no-posts');
    // The very first digest's weekly window is the floor: the October post never goes out.
    expect(smtp.received.some((r) => r.mail.html && r.mail.html.includes('古い記事'))).toBe(false);
  });

  it('category selections: each subscriber gets their posts; an empty selection gets nothing', async () => {
    const config = digestConfig();
    await setup(config);
    const [all] = addActive(db, 1, MONDAY, 'all');
    const [tech] = addActive(db, 1, MONDAY, 'tech', ['tech']);
    const [life] = addActive(db, 1, MONDAY, 'life', ['Life']);
    const [cooking] = addActive(db, 1, MONDAY, 'cook', ['cooking']);
    const summary = await send(config);
    expect(summary).toMatchObject({ status: 'sent', sent: 3, skipped: 1 });
    const byRcpt = new Map(smtp.received.map((r) => [r.rcptTo[0], r.mail]));
    expect(byRcpt.has('cook0@example.org')).toBe(false);
    expect(byRcpt.get('all0@example.org')!.subject).toContain('（3件）');
    const techMail = byRcpt.get('tech0@example.org')!;
    expect(techMail.subject).toContain('（2件）');
    expect(techMail.html).toContain('Feeds &amp; mail');
    expect(techMail.html).not.toContain('週末の散歩');
    const lifeMail = byRcpt.get('life0@example.org')!;
    expect(lifeMail.html).toContain('週末の散歩');
    expect(lifeMail.html).not.toContain('道具');
    void [all, tech, life, cooking];
  });

  it('4xx: retried with backoff until accepted; retries exhausted: failed, not bounced', async () => {
    const config = digestConfig({ mail: { retries: 2, retryDelay: 0.02, connections: 2 } });
    await setup(config, {
      rcpt: (address, attempt) => {
        if (address === 'reader0@example.org' && attempt <= 2) return { code: 451, message: 'try again later' };
        if (address === 'reader1@example.org') return { code: 452, message: 'mailbox full' };
        return undefined;
      },
    });
    const [first, second] = addActive(db, 3, MONDAY);
    const summary = await send(config);
    expect(summary).toMatchObject({ status: 'sent', sent: 2, failed: 1, bounced: 0, retried: 4 });
    expect(smtp.rcptAttempts.get('reader0@example.org')).toBe(3);
    expect(smtp.rcptAttempts.get('reader1@example.org')).toBe(3); // first try + 2 retries
    expect(smtp.received.filter((r) => r.rcptTo[0] === 'reader0@example.org').length).toBe(1);
    expect(findSubscriberById(db, first!)!.status).toBe('active');
    expect(findSubscriberById(db, second!)!.status).toBe('active');
    const row = db.prepare('SELECT status, attempts, last_error FROM deliveries WHERE subscriber_id = ?').get(second) as Record<string, unknown>;
    expect(row).toMatchObject({ status: 'failed', attempts: 3 });
    expect(String(row.last_error)).toMatch(/452/);
  });

  it('5xx: the delivery fails at once and the subscriber is bounced and gets nothing more', async () => {
    const config = digestConfig();
    await setup(config, { rcpt: (address) => (address === 'reader1@example.org' ? { code: 550, message: 'no such user' } : undefined) });
    const [, bounced] = addActive(db, 3, MONDAY);
    const summary = await send(config);
    expect(summary).toMatchObject({ status: 'sent', sent: 2, failed: 1, bounced: 1 });
    expect(smtp.rcptAttempts.get('reader1@example.org')).toBe(1);
    expect(findSubscriberById(db, bounced!)!.status).toBe('bounced');
    const row = db.prepare('SELECT status, smtp_response, last_error FROM deliveries WHERE subscriber_id = ?').get(bounced) as Record<string, unknown>;
    expect(row.status).toBe('failed');
    expect(String(row.last_error)).toMatch(/550/);
    writePost(postsDir, '2026-11-20-next.md', { title: 'next', date: '2026-11-20 10:00:00 +0900' }, 'x\n');
    const next = await send(config, new Date('2026-11-23T09:00:00+09:00'));
    expect(next).toMatchObject({ sent: 2, recipients: 2 });
    expect(smtp.rcptAttempts.get('reader1@example.org')).toBe(1);
  });

  it('a 5xx to the message itself fails that delivery without bouncing anyone; three in a row stop the run', async () => {
    const config = digestConfig({ mail: { connections: 1 } });
    // reader1 refused between accepted ones; reader3 refused last of all (nothing after it to compare).
    const tooBig = new Set(['reader1@example.org', 'reader3@example.org']);
    await setup(config, { data: (rcpt) => (tooBig.has(rcpt[0]!) ? { code: 552, message: 'message too large' } : undefined) });
    const ids = addActive(db, 4, MONDAY);
    const summary = await send(config);
    expect(summary).toMatchObject({ status: 'sent', sent: 2, failed: 2, bounced: 0, remaining: 0 });
    expect(findSubscriberById(db, ids[1]!)!.status).toBe('active');
    expect(db.prepare("SELECT subscriber_id AS id FROM deliveries WHERE status = 'failed' ORDER BY id").all()).toEqual([{ id: ids[1] }, { id: ids[3] }]);

    // The same content refused for everyone: the run stops after three, and nobody is bounced.
    smtp.behaviour.data = () => ({ code: 554, message: 'rejected as spam' });
    writePost(postsDir, '2026-11-20-next.md', { title: 'next', date: '2026-11-20 10:00:00 +0900' }, 'x\n');
    addActive(db, 5, MONDAY, 'late');
    const next = await send(config, new Date('2026-11-23T09:00:00+09:00'));
    expect(next.status).toBe('incomplete');
    expect(next.reason).toMatch(/refused the message itself 3 times/);
    // Nobody is to blame for the content: no delivery failed, all still queued (the refused ones
    // with one attempt counted).
    expect(next).toMatchObject({ failed: 0, bounced: 0, remaining: 9 });
    const statuses = (db.prepare('SELECT status FROM subscribers').all() as { status: string }[]).map((r) => r.status);
    expect(statuses.every((status) => status === 'active')).toBe(true);
  });

  it('the message refused while a whole window is in flight: the stop puts every one back, and the rerun reaches everyone', async () => {
    // 4 connections: 8 messages in flight when the refusals start, all refused at once.
    const config = digestConfig({ mail: { connections: 4 } });
    await setup(config, { data: () => ({ code: 554, message: '5.7.1 message refused as spam' }) });
    addActive(db, 20, MONDAY);
    const first = await send(config);
    expect(first.status).toBe('incomplete');
    expect(first.reason).toMatch(/refused the message itself 3 times in a row/);
    expect(first).toMatchObject({ sent: 0, failed: 0, bounced: 0, remaining: 20 });
    // All back in the queue; those the server refused with one attempt counted, the rest untouched.
    const rows = db.prepare('SELECT status, attempts, COUNT(*) AS n FROM deliveries GROUP BY status, attempts').all() as { status: string; attempts: number; n: number }[];
    expect(rows.every((r) => r.status === 'queued' && r.attempts <= 1)).toBe(true);
    expect(rows.reduce((sum, r) => sum + r.n, 0)).toBe(20);
    expect(rows.find((r) => r.attempts === 1)?.n).toBeGreaterThanOrEqual(3);

    // The server fixed, the rerun the error asks for: everyone gets it, once.
    smtp.behaviour.data = undefined;
    const second = await send(config);
    expect(second).toMatchObject({ status: 'sent', resumed: true, sent: 20, failed: 0 });
    expect(deliveryCounts(db, second.digestId!)).toMatchObject({ sent: 20, failed: 0, queued: 0, sending: 0 });
    expect(new Set(smtp.received.map((r) => r.rcptTo[0])).size).toBe(20);
    expect(smtp.received.length).toBe(20);
  });

  it('three refusals that were about their recipients (full mailboxes at the end of the list) end as failed after mail.retries reruns, and the digest finishes', async () => {
    const config = digestConfig({ mail: { connections: 1, retries: 2 } });
    const full = new Set(['reader0@example.org', 'reader1@example.org', 'reader2@example.org']);
    await setup(config, { data: (rcpt) => (full.has(rcpt[0]!) ? { code: 552, message: '5.2.2 mailbox full' } : undefined) });
    const ids = addActive(db, 10, MONDAY);
    const runs: string[] = [];
    let last: Awaited<ReturnType<typeof send>> | undefined;
    for (let i = 0; i < 6 && last?.status !== 'sent'; i++) {
      last = await send(config);
      runs.push(last.status);
    }
    expect(last).toMatchObject({ status: 'sent' });
    expect(runs.length).toBeLessThanOrEqual(config.mail.retries + 2);
    expect(deliveryCounts(db, last!.digestId!)).toMatchObject({ sent: 7, failed: 3, queued: 0, sending: 0 });
    for (const id of ids.slice(0, 3)) expect(findSubscriberById(db, id)!.status).toBe('active'); // not bounced
    expect(new Set(smtp.received.map((r) => r.rcptTo[0])).size).toBe(7);
    expect(smtp.received.length).toBe(7);
  });

  it('a delivery that fails before it is sent is recorded as failed and stops the run; the next run finishes the rest', async () => {
    const config = digestConfig({ mail: { connections: 1 } });
    await setup(config);
    addActive(db, 6, MONDAY);
    // Leave the digest unfinished after the first message, so the next run resumes it and renders lazily.
    const stop = new AbortController();
    const first = await send(config, MONDAY, { signal: stop.signal, onProgress: (p) => p.sent >= 1 && stop.abort() });
    expect(first.status).toBe('incomplete');
    const broken = () => {
      throw new Error('template exploded');
    };
    const second = await send(config, MONDAY, { loadFull: broken });
    expect(second.status).toBe('incomplete');
    expect(second.reason).toMatch(/internal error: template exploded/);
    expect(second.failed).toBeGreaterThanOrEqual(1);
    const third = await send(config);
    expect(third.status).toBe('sent');
    const counts = deliveryCounts(db, third.digestId!);
    expect(counts.queued + counts.sending).toBe(0);
    expect(counts.sent + counts.failed).toBe(6);
    expect(counts.failed).toBe(second.failed);
    expect(smtp.received.length).toBe(counts.sent);
  });

  it('whoever unsubscribes during the run gets nothing from the rest of it', async () => {
    const config = digestConfig({ mail: { connections: 1 } });
    await setup(config);
    const ids = addActive(db, 6, MONDAY);
    let done = 0;
    const summary = await send(config, MONDAY, {
      onProgress: (p) => {
        if (p.sent === 1 && done++ === 0) setSubscriberStatus(db, ids[4]!, 'unsubscribed', MONDAY);
      },
    });
    expect(summary).toMatchObject({ status: 'sent', sent: 5, skipped: 1 });
    expect(smtp.received.some((r) => r.rcptTo[0] === 'reader4@example.org')).toBe(false);
    expect(deliveryCounts(db, summary.digestId!)).toMatchObject({ sent: 5, skipped: 1 });
  });

  it('server unreachable: the run waits retryDelay, doubling, for mail.retries rounds, trying only the first window; nothing is marked failed; a later run finishes it', async () => {
    // 2 connections: 4 messages in flight. 20 subscribers: a run that churned would try them all.
    const config = digestConfig({ mail: { retries: 2, retryDelay: 0.15, connections: 2 } });
    await setup(config);
    addActive(db, 20, MONDAY);
    await smtp.close(); // connection refused from now on
    const first = await send(config);
    expect(first.status).toBe('incomplete');
    expect(first.reason).toMatch(/unreachable/);
    expect(first).toMatchObject({ sent: 0, failed: 0, remaining: 20 });
    // Three tries with two waits between them: 0.15 s, then 0.3 s.
    expect(first.durationMs).toBeGreaterThanOrEqual(450);
    // Every round retried the same first window; nobody else was touched, no attempt counted.
    const touched = db.prepare('SELECT COUNT(*) AS n, MAX(attempts) AS attempts FROM deliveries WHERE last_error IS NOT NULL').get();
    expect(touched).toEqual({ n: 4, attempts: 0 });
    await mailer.close();
    smtp = await startTestSmtp();
    mailer = createMailer(config, { SMTP_URL: smtp.url }, path.join(temp.dir, 'outbox'));
    const second = await send(config, new Date(MONDAY.getTime() + 3600_000));
    expect(second).toMatchObject({ status: 'sent', resumed: true, sent: 20, failed: 0 });
    expect(smtp.received.length).toBe(20);
  });

  it('a mail server restart during the send is waited out: everyone gets the digest in the same run', async () => {
    const config = digestConfig({ mail: { retries: 3, retryDelay: 0.3, connections: 2 } });
    await setup(config);
    addActive(db, 20, MONDAY);
    const port = smtp.port;
    await smtp.close();
    // Down for 0.8 s from the start of the send, then back on the same port. The run tries, waits
    // 0.3 s, tries, waits 0.6 s, tries (up by now: its tries span 2.1 s in all).
    const back = new Promise<TestSmtp>((resolve) => setTimeout(() => resolve(startTestSmtp({}, { port })), 800));
    const summary = await send(config);
    smtp = await back;
    expect(summary).toMatchObject({ status: 'sent', sent: 20, failed: 0, remaining: 0 });
    expect(smtp.received.length).toBe(20);
    expect(new Set(smtp.received.map((r) => r.rcptTo[0])).size).toBe(20);
  });

  it('a mail server that accepts connections and never answers: each round waits out one timeout, not one per subscriber', async () => {
    // Takes the connection, says nothing: every session times out waiting for the greeting.
    const held: net.Socket[] = [];
    const silent = net.createServer((socket) => void held.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as net.AddressInfo;
    const config = digestConfig({ mail: { retries: 1, retryDelay: 0.05, connections: 2 } });
    smtp = await startTestSmtp(); // unused; closed in afterEach like the others
    mailer = createMailer(config, { SMTP_URL: `smtp://127.0.0.1:${port}/?greetingTimeout=200&connectionTimeout=200` }, path.join(temp.dir, 'outbox'));
    addActive(db, 20, MONDAY);
    try {
      const summary = await send(config);
      expect(summary.status).toBe('incomplete');
      expect(summary.reason).toMatch(/unreachable/);
      expect(summary).toMatchObject({ sent: 0, failed: 0, remaining: 20 });
      // Only the first window (2 × 2 connections) was ever handed to the server.
      const touched = db.prepare('SELECT COUNT(*) AS n FROM deliveries WHERE last_error IS NOT NULL').get() as { n: number };
      expect(touched.n).toBeLessThanOrEqual(4);
    } finally {
      for (const socket of held) socket.destroy();
      silent.close();
    }
  });

  it('login refused: the run stops at once, nobody is failed or bounced, everything stays queued', async () => {
    const config = digestConfig();
    smtp = await startTestSmtp({ refuseLogin: true });
    mailer = createMailer(config, { SMTP_URL: `smtp://user:wrong@127.0.0.1:${smtp.port}` }, path.join(temp.dir, 'outbox'));
    const ids = addActive(db, 5, MONDAY);
    const summary = await send(config);
    expect(summary.status).toBe('incomplete');
    expect(summary.reason).toMatch(/mail configuration problem/);
    expect(summary).toMatchObject({ sent: 0, failed: 0, bounced: 0, remaining: 5 });
    expect(ids.every((id) => findSubscriberById(db, id)!.status === 'active')).toBe(true);
    const attempts = db.prepare('SELECT MAX(attempts) AS n FROM deliveries').get() as { n: number };
    expect(attempts.n).toBe(0);
  });

  it('a signal stops new work, lets in-flight messages finish and be recorded; the next run resumes', async () => {
    const config = digestConfig({ mail: { connections: 2 } });
    await setup(config, { dataDelayMs: 5 });
    addActive(db, 20, MONDAY);
    const controller = new AbortController();
    const first = await send(config, MONDAY, { signal: controller.signal, onProgress: (p) => p.sent >= 4 && controller.abort() });
    expect(first.status).toBe('incomplete');
    expect(first.reason).toMatch(/signal/);
    expect(first.sent).toBe(smtp.received.length); // every accepted message was recorded
    expect(first.remaining).toBe(20 - first.sent);
    const sendingRows = db.prepare("SELECT COUNT(*) AS n FROM deliveries WHERE status = 'sending'").get() as { n: number };
    expect(sendingRows.n).toBe(0);
    const second = await send(config, MONDAY);
    expect(second).toMatchObject({ status: 'sent', resumed: true, sent: 20 - first.sent });
    expect(new Set(smtp.received.map((r) => r.rcptTo[0])).size).toBe(20);
    expect(smtp.received.length).toBe(20);
  });

  it('the send lock runs on the real clock: a send on the real clock does not take over a live one started with --now', async () => {
    const config = digestConfig({ mail: { connections: 2 } });
    await setup(config, { dataDelayMs: 40 });
    addActive(db, 20, MONDAY);
    // A: `tayori digest send --now <last Monday>`, slow server.
    const a = send(config, MONDAY);
    await smtp.waitFor(4);
    // B: `tayori digest send` a moment later, no --now, its own connection and mailer.
    const dbB = openDb(path.join(temp.dir, 'tayori.sqlite'));
    const mailerB = createMailer(config, { SMTP_URL: smtp.url }, path.join(temp.dir, 'outbox'));
    try {
      const realNow = systemClock();
      const b = sendDigest({ config, db: dbB, mailer: mailerB, posts: postsAt(postsDir, config, realNow), loadFull, now: realNow });
      await expect(b).rejects.toThrow(/another tayori process .* is sending a digest/);
    } finally {
      await mailerB.close();
      dbB.close();
    }
    expect(await a).toMatchObject({ status: 'sent', sent: 20, recovered: 0 });
    expect(smtp.received.length).toBe(20);
    expect(new Set(smtp.received.map((r) => r.rcptTo[0])).size).toBe(20);
  });

  it('refuses to run while another live process holds the send lock', async () => {
    const config = digestConfig();
    await setup(config);
    addActive(db, 1, MONDAY);
    // This test process is alive, so its lock is not stale. Leases run on the real clock.
    acquireLock(db, SEND_LOCK, { id: 'other', pid: process.pid, host: (await import('node:os')).hostname() }, systemClock(), 60_000);
    await expect(send(config)).rejects.toThrow(/another tayori process .* is sending a digest/);
    expect(smtp.received.length).toBe(0);
  });
});

describe('RateLimiter', () => {
  it('spaces message starts 1000/rate ms apart, across callers', async () => {
    let now = 0;
    const waits: number[] = [];
    const limiter = new RateLimiter(4, async (ms) => void waits.push(ms), () => now);
    await Promise.all([limiter.take(), limiter.take(), limiter.take()]);
    expect(waits).toEqual([250, 500]);
    now = 2000; // idle for a while: no burst credit is saved up beyond the next slot
    await limiter.take();
    await limiter.take();
    expect(waits).toEqual([250, 500, 250]);
  });

  it('0 means no limit', async () => {
    const waits: number[] = [];
    const limiter = new RateLimiter(0, async (ms) => void waits.push(ms), () => 0);
    for (let i = 0; i < 5; i++) await limiter.take();
    expect(waits).toEqual([]);
  });
});
