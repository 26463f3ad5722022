import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { parseConfig, type Config } from '../../src/config/load.js';
import { cronMatcher, latestDueAt, withinCatchUp } from '../../src/schedule/due.js';
import { Scheduler, type SchedulerOptions } from '../../src/schedule/scheduler.js';
import { openDb, type Db } from '../../src/store/db.js';
import { acquireLock, listDue, readLock, releaseLock, renewLock } from '../../src/store/locks.js';
import { tempDir } from '../helpers/paths.js';
import { systemClock } from '../../src/clock.js';
import { loadFull, loadPosts } from '../../src/content/load.js';
import { sendDigest } from '../../src/digest/run.js';
import { createMailer } from '../../src/mail/transport.js';
import { addSubscriber } from '../../src/store/subscribers.js';
import { createConfirmation } from '../../src/store/confirmations.js';
import { writePosts } from '../server/fixtures.js';
import { startSmtp } from '../server/smtp.js';

const temp = tempDir('tayori-schedule-');
afterAll(() => temp.cleanup());
let dbCount = 0;
const freshDbFile = () => path.join(temp.dir, `store-${++dbCount}.sqlite`);

function config(schedule = '0 9 * * 1', catchUp = 24): Config {
  return parseConfig({
    site: { title: 'T', url: 'https://example.com/', author: 'A', timezone: 'Asia/Tokyo' },
    digest: { schedule, catchUp },
  });
}

/** Monday 2026-11-23 09:00 in Tokyo. */
const DUE = new Date('2026-11-23T00:00:00Z');
const at = (offsetMs: number) => new Date(DUE.getTime() + offsetMs);
const MIN = 60_000;
const HOUR = 3600_000;

interface Harness {
  scheduler: Scheduler;
  sends: string[];
  events: { event: string; fields: Record<string, unknown> }[];
  setNow: (d: Date) => void;
  db: Db;
}

/**
 * A scheduler on its own connection to `file`, with a clock the test moves and a recorded send.
 * The lease runs on that clock too (wallClock), so a test can let a lease expire without waiting.
 */
function harness(file: string, start: Date, extra: Partial<SchedulerOptions> = {}, cfg = config()): Harness {
  let now = start;
  const db = openDb(file);
  const sends: string[] = [];
  const events: Harness['events'] = [];
  const scheduler = new Scheduler({
    config: cfg,
    db,
    clock: () => now,
    wallClock: () => now,
    log: (_level, event, fields = {}) => events.push({ event, fields }),
    sendDigest: async (key) => {
      sends.push(key);
      return { sent: 1 };
    },
    leaseMs: 30_000,
    heartbeatMs: 60_000,
    ...extra,
  });
  return { scheduler, sends, events, setNow: (d) => (now = d), db };
}

async function shutdown(...hs: Harness[]) {
  for (const h of hs) {
    await h.scheduler.stop();
    h.db.close();
  }
}

describe('due times', () => {
  const weekly = cronMatcher('0 9 * * 1', 'Asia/Tokyo');
  it('finds the latest due time in the site time zone', () => {
    expect(latestDueAt(weekly, at(5 * HOUR), new Date(0))).toEqual(DUE);
    expect(latestDueAt(weekly, at(-MIN), new Date(0))).toEqual(new Date('2026-11-16T00:00:00Z'));
    expect(latestDueAt(weekly, at(5 * HOUR), DUE)).toBeUndefined();
  });
  it('on the day clocks go back, a time that happens twice is due once, the first time', () => {
    const ny = cronMatcher('30 1 * * 0', 'America/New_York');
    const edt = new Date('2026-11-01T05:30:00Z'); // 01:30 EDT
    const est = new Date('2026-11-01T06:30:00Z'); // 01:30 EST, an hour later
    expect(ny.matches(edt)).toBe(true);
    expect(ny.matches(est)).toBe(false);
    expect(latestDueAt(ny, new Date('2026-11-01T07:00:00Z'), new Date(0))).toEqual(edt);
    expect(latestDueAt(ny, new Date('2026-11-01T07:00:00Z'), edt)).toBeUndefined();
    const berlin = cronMatcher('30 2 * * 0', 'Europe/Berlin');
    expect(latestDueAt(berlin, new Date('2026-10-25T03:00:00Z'), new Date('2026-10-24T00:00:00Z'))).toEqual(new Date('2026-10-25T00:30:00Z'));
    expect(latestDueAt(berlin, new Date('2026-10-25T03:00:00Z'), new Date('2026-10-25T00:30:00Z'))).toBeUndefined();
  });

  it('on the day clocks go forward, a time that never happens is due at the first moment after the gap', () => {
    const ny = cronMatcher('30 2 * * 0', 'America/New_York');
    // 02:00 EST becomes 03:00 EDT at 07:00Z: 02:30 is skipped, so the digest is due at 03:00 EDT.
    expect(latestDueAt(ny, new Date('2026-03-08T12:00:00Z'), new Date('2026-03-02T00:00:00Z'))).toEqual(new Date('2026-03-08T07:00:00Z'));
    expect(ny.matches(new Date('2026-03-08T07:01:00Z'))).toBe(false);
    // A week later, 02:30 EDT as usual.
    expect(latestDueAt(ny, new Date('2026-03-15T12:00:00Z'), new Date('2026-03-09T00:00:00Z'))).toEqual(new Date('2026-03-15T06:30:00Z'));
    // Lord Howe moves by half an hour: 02:15 is skipped there.
    const howe = cronMatcher('15 2 * * *', 'Australia/Lord_Howe');
    expect(latestDueAt(howe, new Date('2026-10-04T12:00:00Z'), new Date('2026-10-03T00:00:00Z'))).toEqual(new Date('2026-10-03T15:30:00Z'));
  });

  it('uses the catch-up window, with a small grace even for catchUp 0', () => {
    expect(withinCatchUp(DUE, at(23 * HOUR), 24)).toBe(true);
    expect(withinCatchUp(DUE, at(25 * HOUR), 24)).toBe(false);
    expect(withinCatchUp(DUE, at(30_000), 0)).toBe(true);
    expect(withinCatchUp(DUE, at(HOUR), 0)).toBe(false);
  });
  it('names the config key for a bad expression', () => {
    expect(() => cronMatcher('every monday', 'UTC')).toThrow(/digest\.schedule: got "every monday"/);
  });
});

describe('scheduler lock (SQLite lease)', () => {
  it('lets one owner hold it, renews, and hands it over when expired or when the holder is gone', () => {
    const db = openDb(freshDbFile());
    const a = { id: 'a', pid: 1, host: 'h' };
    const b = { id: 'b', pid: 2, host: 'h' };
    const t = DUE;
    expect(acquireLock(db, 'x', a, t, 1000).acquired).toBe(true);
    expect(acquireLock(db, 'x', b, at(500), 1000)).toMatchObject({ acquired: false, holder: { id: 'a' } });
    expect(renewLock(db, 'x', 'a', at(900), 1000)).toBe(true);
    expect(acquireLock(db, 'x', b, at(1500), 1000).acquired).toBe(false);
    expect(acquireLock(db, 'x', b, at(2000), 1000)).toMatchObject({ acquired: true, tookOverFrom: { id: 'a' } });
    expect(renewLock(db, 'x', 'a', at(2100), 1000)).toBe(false);
    expect(acquireLock(db, 'x', a, at(2200), 1000, (holder) => holder.id === 'b')).toMatchObject({ acquired: true });
    releaseLock(db, 'x', 'a');
    expect(readLock(db, 'x')).toBeUndefined();
    db.close();
  });
});

describe('scheduler lock on the wall clock', () => {
  const YEAR = 365 * 24 * HOUR;
  const live = { id: 'live', pid: process.pid, host: 'h' };
  const scheduler = (db: Db, clock: () => Date) =>
    new Scheduler({ config: config(), db, clock, log: () => {}, sendDigest: async () => ({}), heartbeatMs: 60_000, holderIsGone: () => false });

  it('a scheduler started with --now in the past or the future neither loses its lease to, nor takes it from, a live one on the real clock', async () => {
    const file = freshDbFile();
    // Started "a year ago" (tayori start --now): its lease must still hold for a process on the real clock.
    const pastDb = openDb(file);
    const past = scheduler(pastDb, () => new Date(systemClock().getTime() - YEAR));
    await past.start();
    await past.idle();
    expect(past.isLeader).toBe(true);
    const other = openDb(file);
    expect(acquireLock(other, 'digest-scheduler', live, systemClock(), 30_000, () => false)).toMatchObject({ acquired: false });
    await past.stop();
    pastDb.close();

    // A live holder on the real clock; one started "next year" must not see its lease as expired.
    expect(acquireLock(other, 'digest-scheduler', live, systemClock(), 30_000).acquired).toBe(true);
    const futureDb = openDb(file);
    const future = scheduler(futureDb, () => new Date(systemClock().getTime() + YEAR));
    await future.start();
    await future.idle();
    expect(future.isLeader).toBe(false);
    expect(await future.runDueDigest(new Date(systemClock().getTime() + YEAR))).toEqual({ action: 'not-leader' });
    await future.stop();
    futureDb.close();
    expect(readLock(other, 'digest-scheduler')).toMatchObject({ id: 'live' });
    other.close();
  });
});

describe('Scheduler', () => {
  it('sends a due digest once, however often it is asked', async () => {
    const file = freshDbFile();
    const h = harness(file, at(-10 * MIN));
    await h.scheduler.start();
    await h.scheduler.idle();
    expect(h.scheduler.isLeader).toBe(true);
    expect(h.sends).toEqual([]);
    h.setNow(at(0));
    expect(await h.scheduler.runDueDigest(at(0))).toMatchObject({ action: 'sent', due: DUE });
    expect(await h.scheduler.runDueDigest(at(30_000))).toEqual({ action: 'none' });
    expect(await h.scheduler.runDueDigest(at(5 * MIN))).toEqual({ action: 'none' });
    expect(h.sends).toEqual([DUE.toISOString()]);
    expect(listDue(h.db)).toMatchObject([{ dueAt: DUE.toISOString(), outcome: 'sent' }]);
    expect(h.events.map((e) => e.event)).toEqual(expect.arrayContaining(['scheduler.started', 'digest.started', 'digest.finished']));
    await shutdown(h);
  });

  it('after a restart that missed the due time, sends the catch-up once', async () => {
    const file = freshDbFile();
    const first = harness(file, at(-2 * HOUR));
    await first.scheduler.start();
    await first.scheduler.idle();
    await shutdown(first); // down from 07:00 to 13:00: the 09:00 digest was missed
    const second = harness(file, at(4 * HOUR));
    await second.scheduler.start();
    await second.scheduler.idle();
    expect(second.sends).toEqual([DUE.toISOString()]);
    await shutdown(second);
    const third = harness(file, at(5 * HOUR));
    await third.scheduler.start();
    await third.scheduler.idle();
    expect(await third.scheduler.runDueDigest(at(6 * HOUR))).toEqual({ action: 'none' });
    expect(third.sends).toEqual([]);
    await shutdown(third);
  });

  it('leaves a digest missed by more than catchUp for a manual send, and logs it once', async () => {
    const file = freshDbFile();
    const first = harness(file, at(-HOUR));
    await first.scheduler.start();
    await first.scheduler.idle();
    await shutdown(first);
    const late = harness(file, at(25 * HOUR));
    await late.scheduler.start();
    await late.scheduler.idle();
    expect(late.sends).toEqual([]);
    expect(late.events.filter((e) => e.event === 'digest.missed')).toHaveLength(1);
    expect(listDue(late.db)).toMatchObject([{ dueAt: DUE.toISOString(), outcome: 'skipped' }]);
    await shutdown(late);
    const again = harness(file, at(26 * HOUR));
    await again.scheduler.start();
    await again.scheduler.idle();
    expect(again.sends).toEqual([]);
    expect(again.events.filter((e) => e.event === 'digest.missed')).toHaveLength(0);
    await shutdown(again);
  });

  it('does not send digests that were due before the store ever ran a scheduler', async () => {
    const h = harness(freshDbFile(), at(HOUR));
    await h.scheduler.start();
    await h.scheduler.idle();
    expect(h.sends).toEqual([]);
    await shutdown(h);
  });

  it('two schedulers on one store: only the lock holder sends; the other takes over a dead holder', async () => {
    const file = freshDbFile();
    const a = harness(file, at(-10 * MIN));
    const b = harness(file, at(-10 * MIN));
    await a.scheduler.start();
    await a.scheduler.idle();
    await b.scheduler.start();
    await b.scheduler.idle();
    expect(a.scheduler.isLeader).toBe(true);
    expect(b.scheduler.isLeader).toBe(false);
    expect(b.events.some((e) => e.event === 'scheduler.lock-held')).toBe(true);
    a.setNow(at(0));
    b.setNow(at(0));
    const results = await Promise.all([a.scheduler.runDueDigest(at(0)), b.scheduler.runDueDigest(at(0))]);
    expect(results.map((r) => r.action).sort()).toEqual(['not-leader', 'sent']);
    expect([...a.sends, ...b.sends]).toEqual([DUE.toISOString()]);

    // A dies without releasing the lock (no stop()). Within the lease B still waits…
    const nextDue = new Date(DUE.getTime() + 7 * 24 * HOUR);
    b.setNow(at(20_000));
    expect(await b.scheduler.runDueDigest(at(20_000))).toEqual({ action: 'not-leader' });
    // …and after it, B takes over and sends the next week's digest, once.
    b.setNow(nextDue);
    expect(await b.scheduler.runDueDigest(nextDue)).toMatchObject({ action: 'sent', due: nextDue });
    expect(b.sends).toEqual([nextDue.toISOString()]);
    expect(a.sends).toEqual([DUE.toISOString()]);
    b.db.close();
    a.db.close();
  });

  it('a long catch-up runs in the background: start returns, the lease is kept, a stop ends it', async () => {
    const file = freshDbFile();
    const first = harness(file, at(-2 * HOUR));
    await first.scheduler.start();
    await shutdown(first); // down over the 09:00 due time
    // A send that lasts until it is told to stop (a long list on a slow server).
    const slow = harness(file, at(HOUR), {
      sendDigest: (_key, _due, signal) => new Promise((resolve) => signal.addEventListener('abort', () => resolve({ status: 'incomplete' }))),
      heartbeatMs: 20,
      leaseMs: 100,
    });
    const started = await Promise.race([slow.scheduler.start().then(() => 'returned'), new Promise((r) => setTimeout(() => r('blocked'), 2000))]);
    expect(started).toBe('returned');
    expect(slow.events.map((e) => e.event)).toContain('digest.started');
    // Its clock runs on past several leases: the heartbeat renewed it, so nobody may take over.
    let clockMs = at(HOUR).getTime();
    const running = setInterval(() => slow.setNow(new Date((clockMs += 10))), 10);
    await new Promise((r) => setTimeout(r, 400));
    clearInterval(running);
    expect(clockMs - at(HOUR).getTime()).toBeGreaterThan(300);
    const other = harness(file, new Date(clockMs), { holderIsGone: () => false });
    expect(acquireLock(other.db, 'digest-scheduler', { id: 'other', pid: 1, host: 'elsewhere' }, new Date(clockMs), 100).acquired).toBe(false);
    other.db.close();
    await slow.scheduler.stop();
    expect(slow.events.map((e) => e.event)).toContain('digest.interrupted');
    expect(listDue(slow.db)).toMatchObject([{ dueAt: DUE.toISOString(), outcome: 'sending' }]);
    slow.db.close();
  });

  it('after finishing an older unfinished digest, sends the due time\'s own digest too', async () => {
    const keys: string[] = [];
    // The first run finishes a manual send cut short earlier (another key), as run.ts does.
    const h = harness(freshDbFile(), at(-MIN), {
      sendDigest: async (key) => {
        keys.push(key);
        return keys.length === 1 ? { status: 'sent', key: 'manual:2026-11-21T03:00:00.000Z', resumed: true } : { status: 'sent', key };
      },
    });
    await h.scheduler.start();
    await h.scheduler.idle();
    h.setNow(at(0));
    expect(await h.scheduler.runDueDigest(at(0))).toMatchObject({ action: 'sent', due: DUE, summary: { key: DUE.toISOString() } });
    expect(keys).toEqual([DUE.toISOString(), DUE.toISOString()]);
    expect(listDue(h.db)).toMatchObject([{ dueAt: DUE.toISOString(), outcome: 'sent' }]);
    await shutdown(h);
  });

  it('keeps a due time open when every send only finished yet another older digest', async () => {
    let calls = 0;
    const h = harness(freshDbFile(), at(-MIN), {
      sendDigest: async () => ({ status: 'sent', key: `manual:older-${++calls}` }),
    });
    await h.scheduler.start();
    await h.scheduler.idle();
    h.setNow(at(0));
    expect(await h.scheduler.runDueDigest(at(0))).toMatchObject({ action: 'failed', due: DUE });
    expect(calls).toBe(10);
    expect(listDue(h.db)).toMatchObject([{ dueAt: DUE.toISOString(), outcome: 'sending' }]);
    await shutdown(h);
  });

  it('resumes a send that a crash left unfinished, with the same key', async () => {
    const file = freshDbFile();
    const crashing = harness(file, at(-MIN), {
      sendDigest: () => new Promise(() => {}), // never finishes: the process "dies" mid-send
    });
    await crashing.scheduler.start();
    await crashing.scheduler.idle();
    void crashing.scheduler.runDueDigest(at(0));
    await new Promise((r) => setTimeout(r, 50));
    expect(listDue(crashing.db)).toMatchObject([{ outcome: 'sending' }]);
    crashing.db.close();
    const restarted = harness(file, at(10 * MIN), { holderIsGone: () => true });
    await restarted.scheduler.start();
    await restarted.scheduler.idle();
    expect(restarted.sends).toEqual([DUE.toISOString()]);
    expect(listDue(restarted.db)).toMatchObject([{ outcome: 'sent' }]);
    await shutdown(restarted);
  });

  it('retries a send that did not complete (mail server down) and then closes the due time', async () => {
    const outcomes = ['incomplete', 'sent'];
    const h = harness(freshDbFile(), at(-MIN), {
      sendDigest: async () => ({ status: outcomes.shift() ?? 'sent' }),
    });
    await h.scheduler.start();
    await h.scheduler.idle();
    expect(await h.scheduler.runDueDigest(at(0))).toMatchObject({ action: 'failed' });
    expect(listDue(h.db)).toMatchObject([{ outcome: 'sending' }]);
    expect(await h.scheduler.runDueDigest(at(MIN))).toEqual({ action: 'none' }); // waits RETRY_MS
    h.setNow(at(6 * MIN));
    expect(await h.scheduler.runDueDigest(at(6 * MIN))).toMatchObject({ action: 'sent', due: DUE });
    expect(listDue(h.db)).toMatchObject([{ outcome: 'sent' }]);
    expect(outcomes).toEqual([]);
    await shutdown(h);
  });

  /**
   * A Scheduler driving the real digest code against a real SMTP server, on a store of its own
   * (`subscribe` fills it); `run` gets it with a settable clock, then everything is closed.
   */
  async function withRealDigest(
    name: string,
    subscribe: (db: ReturnType<typeof openDb>) => void,
    run: (h: { scheduler: Scheduler; db: ReturnType<typeof openDb>; smtp: Awaited<ReturnType<typeof startSmtp>>; setNow: (t: Date) => void }) => Promise<void>,
  ): Promise<void> {
    const smtp = await startSmtp();
    const dir = path.join(temp.dir, name);
    writePosts(path.join(dir, 'posts'));
    const cfg = parseConfig({
      site: { title: 'T', url: 'https://example.com/', author: 'A', timezone: 'Asia/Tokyo', language: 'ja' },
      digest: { schedule: '0 9 * * 1', lookback: 30, from: 'T <news@example.com>' },
    });
    const db = openDb(path.join(dir, 'store.sqlite'));
    subscribe(db);
    const mailer = createMailer(cfg, { SMTP_URL: smtp.url }, path.join(dir, 'outbox'));
    let now = at(-MIN);
    const scheduler = new Scheduler({
      config: cfg,
      db,
      clock: () => now,
      log: () => {},
      heartbeatMs: 60_000,
      sendDigest: async (key, due, signal) => {
        const { posts } = loadPosts(path.join(dir, 'posts'), cfg, due);
        return { ...(await sendDigest({ config: cfg, db, mailer, posts, loadFull, now: due, key, signal })) };
      },
    });
    try {
      await scheduler.start();
      await scheduler.idle();
      await run({ scheduler, db, smtp, setNow: (t) => (now = t) });
    } finally {
      await scheduler.stop();
      await mailer.close();
      db.close();
      await smtp.close();
    }
  }

  it('with the real digest code and a real SMTP server, a due digest reaches each subscriber once', async () => {
    await withRealDigest(
      'real',
      (db) => {
        addSubscriber(db, { email: 'one@example.com', source: 'cli' }, at(-HOUR));
        addSubscriber(db, { email: 'two@example.com', source: 'cli' }, at(-HOUR));
      },
      async ({ scheduler, smtp, setNow }) => {
        setNow(at(0));
        expect(await scheduler.runDueDigest(at(0))).toMatchObject({ action: 'sent', summary: { status: 'sent', sent: 2 } });
        expect(await scheduler.runDueDigest(at(MIN))).toEqual({ action: 'none' });
        await smtp.waitFor(2);
        await new Promise((r) => setTimeout(r, 200));
        expect(smtp.messages.map((m) => JSON.stringify(m.to)).sort().join()).toMatch(/one@example\.com.*two@example\.com/);
        expect(smtp.messages).toHaveLength(2);
      },
    );
  });

  it('a due time with no active subscriber is handled once, and its posts go out at the next due time once someone subscribed', async () => {
    await withRealDigest(
      'nobody',
      (db) => addSubscriber(db, { email: 'pending@example.com', source: 'web', status: 'pending' }, at(-HOUR)),
      async ({ scheduler, db, smtp, setNow }) => {
        setNow(at(0));
        expect(await scheduler.runDueDigest(at(0))).toMatchObject({ action: 'sent', summary: { status: 'no-subscribers', posts: 3 } });
        // Handled: not retried every RETRY_MS.
        expect(listDue(db)).toMatchObject([{ dueAt: DUE.toISOString(), outcome: 'sent' }]);
        setNow(at(10 * MIN));
        expect(await scheduler.runDueDigest(at(10 * MIN))).toEqual({ action: 'none' });
        expect((db.prepare('SELECT COUNT(*) AS n FROM digests').get() as { n: number }).n).toBe(0);

        addSubscriber(db, { email: 'first@example.com', source: 'cli' }, at(HOUR));
        const nextDue = new Date(DUE.getTime() + 7 * 24 * HOUR);
        setNow(nextDue);
        expect(await scheduler.runDueDigest(nextDue)).toMatchObject({ action: 'sent', summary: { status: 'sent', posts: 3, sent: 1 } });
        await smtp.waitFor(1);
        expect(smtp.messages[0]!.text).toContain('はじめての投稿');
      },
    );
  });

  it('a digest abandoned past catchUp waits for a send by hand; the next scheduled digest goes out on time without it', async () => {
    const dir = path.join(temp.dir, 'abandon');
    writePosts(path.join(dir, 'posts'));
    const cfg = parseConfig({
      site: { title: 'T', url: 'https://example.com/', author: 'A', timezone: 'Asia/Tokyo', language: 'ja' },
      digest: { schedule: '0 9 * * 1', lookback: 30, catchUp: 24, from: 'T <news@example.com>' },
      mail: { retries: 1, retryDelay: 0.01 },
    });
    const db = openDb(path.join(dir, 'store.sqlite'));
    addSubscriber(db, { email: 'one@example.com', source: 'cli' }, at(-HOUR));
    addSubscriber(db, { email: 'two@example.com', source: 'cli' }, at(-HOUR));
    let smtpUrl = 'smtp://127.0.0.1:9'; // nothing listens: the first send cannot finish
    const sendAt = async (key: string, due: Date, resumeAbandoned: boolean, signal?: AbortSignal) => {
      const mailer = createMailer(cfg, { SMTP_URL: smtpUrl }, path.join(dir, 'outbox'));
      try {
        const { posts } = loadPosts(path.join(dir, 'posts'), cfg, due);
        return await sendDigest({ config: cfg, db, mailer, posts, loadFull, now: due, key, signal, resumeAbandoned });
      } finally {
        await mailer.close();
      }
    };
    let now = at(-MIN);
    const events: string[] = [];
    const scheduler = new Scheduler({
      config: cfg,
      db,
      clock: () => now,
      log: (_level, event) => events.push(event),
      heartbeatMs: 60_000,
      // As `tayori start` calls it.
      sendDigest: async (key, due, signal) => ({ ...(await sendAt(key, due, false, signal)) }),
    });
    const smtp = await startSmtp();
    try {
      await scheduler.start();
      await scheduler.idle();
      now = at(0);
      expect(await scheduler.runDueDigest(at(0))).toMatchObject({ action: 'failed' });
      // A day and more later the interrupted digest is abandoned, not sent stale.
      now = at(25 * HOUR);
      await scheduler.runDueDigest(now);
      expect(events).toContain('digest.abandoned');
      expect(smtp.messages).toHaveLength(0);
      // A new post, the mail server back: next Monday's digest goes out with the new post only.
      writeFileSync(path.join(dir, 'posts', '2026-11-25-new.md'), '---\ntitle: "新しい投稿"\ndate: 2026-11-25 10:00:00 +0900\n---\n\n新しい本文。\n');
      smtpUrl = smtp.url;
      const nextDue = new Date(DUE.getTime() + 7 * 24 * HOUR);
      now = nextDue;
      expect(await scheduler.runDueDigest(nextDue)).toMatchObject({ action: 'sent', due: nextDue, summary: { key: nextDue.toISOString(), posts: 1, sent: 2 } });
      await smtp.waitFor(2);
      expect(smtp.messages.every((m) => m.text?.includes('新しい投稿') && !m.text.includes('はじめての投稿'))).toBe(true);
      // The abandoned one is still there for a send by hand, which finishes it.
      const byHand = await sendAt(`manual:${nextDue.toISOString()}`, new Date(nextDue.getTime() + HOUR), true);
      expect(byHand).toMatchObject({ status: 'sent', resumed: true, key: DUE.toISOString(), sent: 2 });
      await smtp.waitFor(4);
      expect(smtp.messages.slice(2).every((m) => m.text?.includes('はじめての投稿') && !m.text.includes('新しい投稿'))).toBe(true);
    } finally {
      await scheduler.stop();
      db.close();
      await smtp.close();
    }
  });

  it('ticks with node-cron on a fast schedule and sends each due second once', async () => {
    const h = harness(freshDbFile(), new Date(), { clock: () => new Date() }, config('*/1 * * * * *', 1));
    await h.scheduler.start();
    await h.scheduler.idle();
    const deadline = Date.now() + 10_000;
    while (h.sends.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    await shutdown(h);
    expect(h.sends.length).toBeGreaterThanOrEqual(2);
    expect(new Set(h.sends).size).toBe(h.sends.length);
    for (const key of h.sends) expect(new Date(key).getMilliseconds()).toBe(0);
  });
});

describe('node-cron\'s own output', () => {
  it('prints nothing of its own when ticks were missed (a blocked or suspended process): the event log stays one JSON line per event', async () => {
    const printed: unknown[][] = [];
    const spies = (['warn', 'error', 'info', 'debug', 'log'] as const).map((name) => vi.spyOn(console, name).mockImplementation((...args) => void printed.push(args)));
    const h = harness(freshDbFile(), new Date(), { clock: () => new Date() }, config('*/1 * * * * *', 1));
    try {
      await h.scheduler.start();
      await h.scheduler.idle();
      const blockedUntil = Date.now() + 2500;
      while (Date.now() < blockedUntil); // the event loop stops, as in a suspend
      await new Promise((r) => setTimeout(r, 1500));
    } finally {
      await shutdown(h);
      for (const spy of spies) spy.mockRestore();
    }
    expect(printed).toEqual([]);
  });
});

describe('watching the posts folder', () => {
  it('follows a posts folder that is deleted and made again, or swapped for another', async () => {
    const postsDir = path.join(temp.dir, 'watched-posts');
    mkdirSync(postsDir, { recursive: true });
    const reasons: string[] = [];
    const h = harness(freshDbFile(), at(-MIN), {
      postsDir,
      debounceMs: 20,
      rootCheckMs: 50,
      rebuild: () => {
        reasons.push('build');
        return {};
      },
    });
    const until = async (what: () => boolean) => {
      const deadline = Date.now() + 10_000;
      while (!what()) {
        if (Date.now() > deadline) throw new Error(`timed out; events: ${h.events.map((e) => e.event).join(' ')}; rebuilds: ${reasons.length}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    await h.scheduler.start();
    await h.scheduler.idle();
    const built = () => reasons.length;

    rmSync(postsDir, { recursive: true });
    mkdirSync(postsDir);
    await until(() => h.events.some((e) => e.event === 'watch.restarted'));
    let before = built();
    writeFileSync(path.join(postsDir, 'after-recreate.md'), '---\ntitle: x\ndate: 2026-11-20\n---\n\nx\n');
    await until(() => built() > before);

    const replacement = path.join(temp.dir, 'replacement-posts');
    mkdirSync(replacement);
    const restarts = () => h.events.filter((e) => e.event === 'watch.restarted').length;
    const restartsBefore = restarts();
    renameSync(postsDir, path.join(temp.dir, 'old-posts'));
    renameSync(replacement, postsDir);
    await until(() => restarts() > restartsBefore);
    await h.scheduler.idle();
    before = built();
    writeFileSync(path.join(postsDir, 'after-swap.md'), '---\ntitle: y\ndate: 2026-11-21\n---\n\ny\n');
    await until(() => built() > before);
    await shutdown(h);
  });
});

describe('a posts folder that cannot be read', () => {
  it('is logged once and watched again when it is back, without stopping anything', async () => {
    const parent = path.join(temp.dir, 'mount');
    const postsDir = path.join(parent, 'posts');
    mkdirSync(postsDir, { recursive: true });
    const h = harness(freshDbFile(), at(-MIN), { postsDir, debounceMs: 20, rootCheckMs: 30, rebuild: () => ({}) });
    await h.scheduler.start();
    await h.scheduler.idle();
    rmSync(parent, { recursive: true });
    writeFileSync(parent, 'not a folder'); // stat of mount/posts now fails with ENOTDIR
    await new Promise((r) => setTimeout(r, 200));
    expect(h.events.filter((e) => e.event === 'watch.error')).toHaveLength(1);
    rmSync(parent);
    mkdirSync(postsDir, { recursive: true });
    const deadline = Date.now() + 5000;
    while (!h.events.some((e) => e.event === 'watch.restarted') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(h.events.map((e) => e.event)).toContain('watch.restarted');
    await shutdown(h);
  });
});

describe('a posts folder that never goes quiet', () => {
  it('is still rebuilt, at most maxDebounceMs after the first change', async () => {
    const postsDir = path.join(temp.dir, 'busy-posts');
    mkdirSync(postsDir, { recursive: true });
    let builds = 0;
    const h = harness(freshDbFile(), at(-MIN), { postsDir, debounceMs: 150, maxDebounceMs: 300, rebuild: () => (builds++, {}) });
    await h.scheduler.start();
    await h.scheduler.idle();
    const afterStart = builds;
    // A change every 50 ms for 1.5 s: never 150 ms of quiet.
    for (let i = 0; i < 30; i++) {
      writeFileSync(path.join(postsDir, `p${i % 3}.md`), `---\ntitle: t${i}\ndate: 2026-11-20\n---\n\n${i}\n`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const duringStream = builds - afterStart;
    await shutdown(h);
    expect(duringStream).toBeGreaterThanOrEqual(2);
  });
});

describe('housekeeping', () => {
  it('the sender forgets confirmation links that expired over a week ago, and keeps the rest', async () => {
    const file = freshDbFile();
    const h = harness(file, at(0), { heartbeatMs: 20 });
    const pending = addSubscriber(h.db, { email: 'late@example.com', source: 'web', status: 'pending' }, at(0)).subscriber;
    createConfirmation(h.db, pending.id, at(-10 * 24 * HOUR), HOUR); // expired 10 days ago
    createConfirmation(h.db, pending.id, at(-2 * 24 * HOUR), HOUR); // expired 2 days ago: kept
    createConfirmation(h.db, pending.id, at(0), 24 * HOUR); // still valid
    const count = () => (h.db.prepare('SELECT COUNT(*) AS n FROM confirmations').get() as { n: number }).n;
    expect(count()).toBe(3);
    await h.scheduler.start();
    await h.scheduler.idle();
    const deadline = Date.now() + 5000;
    while (count() > 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const left = count();
    await shutdown(h);
    expect(left).toBe(2);
    expect(h.events.some((e) => e.event === 'confirmations.purged' && e.fields.removed === 1)).toBe(true);
  });
});
