import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hostname } from 'node:os';
import { systemClock } from '../../src/clock.js';
import path from 'node:path';
import type { Config } from '../../src/config/schema.js';
import type { Progress } from '../../src/digest/run.js';
import { SEND_LOCK } from '../../src/digest/run.js';
import { sendDigestOnThread, type SendJob } from '../../src/digest/send-thread.js';
import { acquireLock, releaseLock } from '../../src/store/locks.js';
import { openDb, type Db } from '../../src/store/db.js';
import { tempDir } from '../helpers/paths.js';
import { startTestSmtp, type TestSmtp } from '../mail/smtp.js';
import { addActive, digestConfig, MONDAY, postsAt, writeWeek } from './support.js';

/** The send as the CLI and the scheduler run it: on its own thread, with its own store connection and mailer. */
let temp: ReturnType<typeof tempDir>;
let smtp: TestSmtp;
let db: Db;
let postsDir: string;

function job(config: Config, env: NodeJS.ProcessEnv): SendJob {
  return {
    config,
    databaseFile: path.join(temp.dir, 'tayori.sqlite'),
    outboxDir: path.join(temp.dir, 'outbox'),
    templatesDir: path.resolve('templates'),
    posts: postsAt(postsDir, config, MONDAY),
    now: MONDAY,
    env,
  };
}

beforeEach(() => {
  temp = tempDir('tayori-send-thread-');
  postsDir = path.join(temp.dir, 'posts');
  writeWeek(postsDir);
  db = openDb(path.join(temp.dir, 'tayori.sqlite'));
});
afterEach(async () => {
  await smtp?.close();
  db.close();
  temp.cleanup();
});

describe('sendDigestOnThread', () => {
  it('sends through the SMTP server and reports progress and the summary', async () => {
    const config = digestConfig();
    smtp = await startTestSmtp();
    addActive(db, 12, MONDAY);
    const progress: Progress[] = [];
    const { summary, mailer } = await sendDigestOnThread(job(config, { SMTP_URL: smtp.url }), { onProgress: (p) => progress.push(p) });
    expect(mailer).toBe('smtp');
    expect(summary).toMatchObject({ status: 'sent', recipients: 12, sent: 12, remaining: 0 });
    expect(smtp.received.length).toBe(12);
    // The last report is the finished state, whatever the throttle let through before it.
    expect(progress.at(-1)).toMatchObject({ total: 12, sent: 12, queued: 0 });
    const row = db.prepare("SELECT COUNT(*) AS n FROM deliveries WHERE status = 'sent'").get() as { n: number };
    expect(row.n).toBe(12);
  });

  it('an abort reaches the thread: in-flight messages finish and are recorded, the rest stays queued for the next run', async () => {
    const config = digestConfig({ mail: { connections: 2 } });
    smtp = await startTestSmtp({ dataDelayMs: 20 });
    addActive(db, 60, MONDAY);
    const controller = new AbortController();
    const first = await sendDigestOnThread(job(config, { SMTP_URL: smtp.url }), {
      signal: controller.signal,
      onProgress: (p) => p.sent >= 2 && controller.abort(),
    });
    expect(first.summary.status).toBe('incomplete');
    expect(first.summary.reason).toMatch(/signal/);
    expect(first.summary.sent).toBe(smtp.received.length);
    expect(first.summary.remaining).toBe(60 - first.summary.sent);
    const second = await sendDigestOnThread(job(config, { SMTP_URL: smtp.url }));
    expect(second.summary).toMatchObject({ status: 'sent', resumed: true, sent: 60 - first.summary.sent });
    expect(new Set(smtp.received.map((r) => r.rcptTo[0])).size).toBe(60);
    expect(smtp.received.length).toBe(60);
  });

  it('a stop waits only for the messages in transfer: those still queued for a connection go back to the ledger unsent', async () => {
    // A slow server: each message takes 600 ms, two connections, a window of four.
    const config = digestConfig({ mail: { connections: 2 } });
    smtp = await startTestSmtp({ dataDelayMs: 600 });
    addActive(db, 10, MONDAY);
    const controller = new AbortController();
    let acceptedAtStop = -1;
    const stopWhenBusy = setInterval(() => {
      if (smtp.received.length >= 2 && acceptedAtStop < 0) {
        acceptedAtStop = smtp.received.length;
        controller.abort();
      }
    }, 5);
    const first = await sendDigestOnThread(job(config, { SMTP_URL: smtp.url }), { signal: controller.signal });
    clearInterval(stopWhenBusy);
    expect(first.summary.reason).toMatch(/signal/);
    // At most one message per connection was under way when the stop came; nothing after it.
    expect(smtp.received.length).toBeLessThanOrEqual(acceptedAtStop + config.mail.connections);
    expect(first.summary.sent).toBe(smtp.received.length);
    const rows = db.prepare('SELECT status, attempts, COUNT(*) AS n FROM deliveries GROUP BY status, attempts ORDER BY status').all();
    expect(rows).toEqual([
      { status: 'queued', attempts: 0, n: 10 - smtp.received.length },
      { status: 'sent', attempts: 1, n: smtp.received.length },
    ]);
    const second = await sendDigestOnThread(job(config, { SMTP_URL: smtp.url }));
    expect(second.summary).toMatchObject({ status: 'sent', resumed: true });
    expect(smtp.received.length).toBe(10);
    expect(new Set(smtp.received.map((r) => r.rcptTo[0])).size).toBe(10);
  });

  it('a signal aborted before the thread has started sends nothing; the next run sends it all', async () => {
    const config = digestConfig();
    smtp = await startTestSmtp();
    addActive(db, 20, MONDAY);
    const controller = new AbortController();
    controller.abort();
    const first = await sendDigestOnThread(job(config, { SMTP_URL: smtp.url }), { signal: controller.signal });
    expect(first.summary).toMatchObject({ status: 'incomplete', sent: 0, remaining: 20 });
    expect(smtp.received.length).toBe(0);
    const second = await sendDigestOnThread(job(config, { SMTP_URL: smtp.url }));
    expect(second.summary).toMatchObject({ status: 'sent', sent: 20 });
    expect(smtp.received.length).toBe(20);
  });

  it('an error in the thread comes back with its name and message, and nothing is sent', async () => {
    const config = digestConfig();
    smtp = await startTestSmtp();
    addActive(db, 1, MONDAY);
    const holder = { id: 'other', pid: process.pid, host: hostname() };
    acquireLock(db, SEND_LOCK, holder, systemClock(), 60_000); // leases run on the real clock
    const failed = sendDigestOnThread(job(config, { SMTP_URL: smtp.url }));
    await expect(failed).rejects.toMatchObject({ name: 'SendLockedError', message: expect.stringMatching(/another tayori process .* is sending a digest/) });
    releaseLock(db, SEND_LOCK, holder.id);
    // A configuration error raised while the thread sets up comes back the same way.
    await expect(sendDigestOnThread(job(config, { SMTP_URL: 'http://127.0.0.1:1' }))).rejects.toThrow(/SMTP_URL: scheme http: is not supported/);
    expect(smtp.received.length).toBe(0);
  });
});
