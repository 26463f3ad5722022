import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDb, type Db } from '../../src/store/db.js';
import {
  InvalidAddressError,
  addSubscriber,
  countSubscribers,
  findSubscriberByEmail,
  findSubscriberById,
  findSubscriberByToken,
  importSubscribers,
  listSubscribers,
  setSubscriberStatus,
  unsubscribeByEmail,
  unsubscribeByToken,
} from '../../src/store/subscribers.js';
import { parseSubscriberCsv, type CsvSubscriberRow } from '../../src/subscribers/csv.js';
import { tempDir } from '../helpers/paths.js';

const t0 = new Date('2026-01-05T00:00:00.000Z');
const t1 = new Date('2026-01-06T00:00:00.000Z');
const t2 = new Date('2026-01-07T00:00:00.000Z');

let db: Db;
let cleanup: () => void;
beforeEach(() => {
  const temp = tempDir('tayori-store-');
  cleanup = temp.cleanup;
  db = openDb(path.join(temp.dir, 'tayori.sqlite'));
});
afterEach(() => {
  db.close();
  cleanup();
});

function csvRows(text: string): CsvSubscriberRow[] {
  const parsed = parseSubscriberCsv(text);
  expect(parsed.skipped).toEqual([]);
  return parsed.rows;
}

describe('addSubscriber', () => {
  it('stores every field, active by default from the CLI and pending from the web', () => {
    const { subscriber, created } = addSubscriber(db, { email: 'Ann@Example.com', name: ' Ann ', categories: ['news', ' news', 'お知らせ'], source: 'cli' }, t0);
    expect(created).toBe(true);
    expect(subscriber).toEqual({
      id: expect.any(Number),
      email: 'Ann@example.com',
      name: 'Ann',
      status: 'active',
      categories: ['news', 'お知らせ'],
      source: 'cli',
      token: expect.any(String),
      createdAt: t0.toISOString(),
      confirmedAt: t0.toISOString(),
      unsubscribedAt: null,
      updatedAt: t0.toISOString(),
    });
    const web = addSubscriber(db, { email: 'web@example.com', source: 'web' }, t0).subscriber;
    expect(web).toMatchObject({ status: 'pending', confirmedAt: null, name: null, categories: [] });
  });

  it('returns the existing row unchanged for the same address in another spelling', () => {
    const first = addSubscriber(db, { email: 'taro@例え.テスト', name: 'Taro', source: 'cli' }, t0).subscriber;
    const again = addSubscriber(db, { email: 'TARO@xn--r8jz45g.xn--zckzah', name: 'Other', source: 'web' }, t1);
    expect(again.created).toBe(false);
    expect(again.subscriber).toEqual(first);
    expect(countSubscribers(db).total).toBe(1);
  });

  it('throws a typed error for an invalid address and stores nothing', () => {
    expect(() => addSubscriber(db, { email: 'not an address', source: 'cli' }, t0)).toThrow(InvalidAddressError);
    expect(countSubscribers(db).total).toBe(0);
  });

  it('gives each subscriber a random base64url token of at least 128 bits, not derived from the address', () => {
    const tokens = new Set<string>();
    for (let i = 0; i < 60; i++) {
      const { token, email } = addSubscriber(db, { email: `reader${i}@example.com`, source: 'cli' }, t0).subscriber;
      expect(token).toMatch(/^[A-Za-z0-9_-]{22,}$/);
      expect(Buffer.from(token, 'base64url').length * 8).toBeGreaterThanOrEqual(128);
      expect(token).not.toContain(email.split('@')[0]);
      tokens.add(token);
    }
    expect(tokens.size).toBe(60);
    // Same address in a fresh store: a different token.
    const tokenBefore = findSubscriberByEmail(db, 'reader0@example.com')?.token;
    db.prepare('DELETE FROM subscribers').run();
    expect(addSubscriber(db, { email: 'reader0@example.com', source: 'cli' }, t0).subscriber.token).not.toBe(tokenBefore);
  });
});

describe('lookups and status changes', () => {
  it('finds by email (any case), token and id', () => {
    const s = addSubscriber(db, { email: 'find.me@example.com', source: 'cli' }, t0).subscriber;
    expect(findSubscriberByEmail(db, 'FIND.ME@EXAMPLE.COM')?.id).toBe(s.id);
    expect(findSubscriberByToken(db, s.token)?.id).toBe(s.id);
    expect(findSubscriberById(db, s.id)?.email).toBe('find.me@example.com');
    expect(findSubscriberByEmail(db, 'nobody@example.com')).toBeUndefined();
    expect(findSubscriberByEmail(db, 'junk')).toBeUndefined();
    expect(findSubscriberByToken(db, '')).toBeUndefined();
    expect(findSubscriberByToken(db, s.token.toLowerCase() === s.token ? `${s.token}x` : s.token.toLowerCase())).toBeUndefined();
    expect(findSubscriberById(db, 9999)).toBeUndefined();
  });

  it('stamps confirmed_at on activation and unsubscribed_at on unsubscribe; a no-op change keeps timestamps', () => {
    const s = addSubscriber(db, { email: 'p@example.com', source: 'web' }, t0).subscriber;
    setSubscriberStatus(db, s.id, 'active', t1);
    expect(findSubscriberById(db, s.id)).toMatchObject({ status: 'active', confirmedAt: t1.toISOString(), updatedAt: t1.toISOString() });
    setSubscriberStatus(db, s.id, 'active', t2);
    expect(findSubscriberById(db, s.id)).toMatchObject({ confirmedAt: t1.toISOString(), updatedAt: t1.toISOString() });
    setSubscriberStatus(db, s.id, 'unsubscribed', t2);
    expect(findSubscriberById(db, s.id)).toMatchObject({ status: 'unsubscribed', confirmedAt: t1.toISOString(), unsubscribedAt: t2.toISOString() });
  });

  it('unsubscribes by token once, then reports already; unknown tokens are unknown', () => {
    const s = addSubscriber(db, { email: 'leave@example.com', source: 'cli' }, t0).subscriber;
    expect(unsubscribeByToken(db, s.token, t1)).toBe('unsubscribed');
    expect(unsubscribeByToken(db, s.token, t2)).toBe('already');
    expect(findSubscriberById(db, s.id)).toMatchObject({ status: 'unsubscribed', unsubscribedAt: t1.toISOString() });
    expect(unsubscribeByToken(db, 'no-such-token-at-all-0000000000', t1)).toBe('unknown');

    const bounced = addSubscriber(db, { email: 'bounced@example.com', source: 'cli', status: 'bounced' }, t0).subscriber;
    expect(unsubscribeByToken(db, bounced.token, t1)).toBe('already');
    expect(findSubscriberById(db, bounced.id)?.status).toBe('bounced');
  });

  it('unsubscribes by email, keeping the row', () => {
    addSubscriber(db, { email: 'keep@example.com', source: 'cli' }, t0);
    expect(unsubscribeByEmail(db, 'KEEP@example.com', t1).result).toBe('unsubscribed');
    expect(unsubscribeByEmail(db, 'keep@example.com', t2).result).toBe('already');
    expect(unsubscribeByEmail(db, 'gone@example.com', t2).result).toBe('unknown');
    expect(findSubscriberByEmail(db, 'keep@example.com')).toMatchObject({ status: 'unsubscribed', unsubscribedAt: t1.toISOString() });
  });

  it('lists oldest first, filters by status, and counts every status', () => {
    addSubscriber(db, { email: 'a@example.com', source: 'cli' }, t0);
    addSubscriber(db, { email: 'b@example.com', source: 'web' }, t0);
    addSubscriber(db, { email: 'c@example.com', source: 'cli', status: 'complained' }, t0);
    addSubscriber(db, { email: 'd@example.com', source: 'cli' }, t0);
    expect(listSubscribers(db).map((s) => s.email)).toEqual(['a@example.com', 'b@example.com', 'c@example.com', 'd@example.com']);
    expect(listSubscribers(db, { status: 'active' }).map((s) => s.email)).toEqual(['a@example.com', 'd@example.com']);
    expect(countSubscribers(db)).toEqual({ pending: 1, active: 2, unsubscribed: 0, bounced: 0, complained: 1, total: 4 });
  });
});

describe('importSubscribers', () => {
  const file = [
    'email,name,categories,status',
    'new@example.com,New Person,"news,releases",',
    'Existing@Example.com,Renamed,,',
    'left@example.com,Left,,active',
    'pending@example.com,,,',
    'bad address@example.com,,,',
    'NEW@example.com,Duplicate,,',
  ].join('\n');

  it('adds, updates, leaves alone, and skips with line numbers and reasons', () => {
    const existing = addSubscriber(db, { email: 'existing@example.com', name: 'Old Name', source: 'cli' }, t0).subscriber;
    addSubscriber(db, { email: 'left@example.com', source: 'cli', status: 'unsubscribed' }, t0);
    addSubscriber(db, { email: 'pending@example.com', source: 'web' }, t0);

    const result = importSubscribers(db, csvRows(file), { now: t1 });
    expect(result).toEqual({
      added: 1,
      updated: 1,
      unchanged: 1,
      skipped: [
        { line: 4, reason: expect.stringContaining('is unsubscribed; not re-activated (use --force') },
        { line: 6, reason: expect.stringContaining('contains a space') },
        { line: 7, reason: expect.stringContaining('already appears on line 2') },
      ],
    });
    expect(findSubscriberByEmail(db, 'new@example.com')).toMatchObject({
      name: 'New Person',
      categories: ['news', 'releases'],
      status: 'active',
      source: 'import',
      createdAt: t1.toISOString(),
      confirmedAt: t1.toISOString(),
    });
    expect(findSubscriberById(db, existing.id)).toMatchObject({ name: 'Renamed', status: 'active', token: existing.token, updatedAt: t1.toISOString() });
    expect(findSubscriberByEmail(db, 'left@example.com')?.status).toBe('unsubscribed');
    expect(findSubscriberByEmail(db, 'pending@example.com')?.status).toBe('pending');

    // The same file again changes nothing at all.
    const before = listSubscribers(db);
    const again = importSubscribers(db, csvRows(file), { now: t2 });
    expect(again).toMatchObject({ added: 0, updated: 0, unchanged: 3 });
    expect(listSubscribers(db)).toEqual(before);
  });

  it('re-activates unsubscribed and bounced people only with force', () => {
    addSubscriber(db, { email: 'left@example.com', source: 'cli', status: 'unsubscribed' }, t0);
    addSubscriber(db, { email: 'bounced@example.com', source: 'cli', status: 'bounced' }, t0);
    const rows = csvRows('email\nleft@example.com\nbounced@example.com\n');
    // No status cell and no force: they are listed in the file but stay as they are.
    expect(importSubscribers(db, rows, { now: t1 })).toMatchObject({ added: 0, updated: 0, unchanged: 2, skipped: [] });
    expect(countSubscribers(db)).toMatchObject({ unsubscribed: 1, bounced: 1, active: 0 });

    expect(importSubscribers(db, rows, { now: t1, force: true })).toMatchObject({ updated: 2, skipped: [] });
    expect(findSubscriberByEmail(db, 'left@example.com')).toMatchObject({ status: 'active', confirmedAt: t1.toISOString() });
    expect(findSubscriberByEmail(db, 'bounced@example.com')?.status).toBe('active');
  });

  it('lets a file unsubscribe or bounce someone (that is never blocked)', () => {
    addSubscriber(db, { email: 'a@example.com', source: 'cli' }, t0);
    addSubscriber(db, { email: 'c@example.com', source: 'cli', status: 'unsubscribed' }, t0);
    const result = importSubscribers(db, csvRows('email,status\na@example.com,unsubscribed\nb@example.com,bounced\nc@example.com,bounced\n'), {
      now: t1,
    });
    expect(result).toMatchObject({ added: 1, updated: 2, skipped: [] });
    expect(findSubscriberByEmail(db, 'c@example.com')).toMatchObject({ status: 'bounced', unsubscribedAt: t0.toISOString() });
    expect(findSubscriberByEmail(db, 'a@example.com')).toMatchObject({ status: 'unsubscribed', unsubscribedAt: t1.toISOString() });
    expect(findSubscriberByEmail(db, 'b@example.com')).toMatchObject({ status: 'bounced', confirmedAt: null });
  });

  it('never drops an unsubscribe listed twice: a later unsubscribed row for the same address wins over an earlier active one', () => {
    addSubscriber(db, { email: 'known@example.com', source: 'cli' }, t0);
    const result = importSubscribers(
      db,
      csvRows('email,status,name,categories\nnew@example.com,active,Alice,news\nNEW@example.com,unsubscribed,,\nknown@example.com,active,,\nKnown@Example.com,complained,,\nkeep@example.com,active,,\nkeep@example.com,active,,\n'),
      { now: t1 },
    );
    expect(findSubscriberByEmail(db, 'new@example.com')).toMatchObject({ status: 'unsubscribed', name: 'Alice', categories: ['news'] });
    expect(findSubscriberByEmail(db, 'known@example.com')?.status).toBe('complained');
    expect(findSubscriberByEmail(db, 'keep@example.com')?.status).toBe('active');
    expect(result.skipped).toEqual([
      { line: 2, reason: expect.stringContaining('appears again on line 3 as unsubscribed, which is kept') },
      { line: 4, reason: expect.stringContaining('appears again on line 5 as complained, which is kept') },
      { line: 7, reason: expect.stringContaining('already appears on line 6') },
    ]);
  });

  it('is all or nothing: a failure mid-way leaves the store as it was', () => {
    addSubscriber(db, { email: 'a@example.com', source: 'cli' }, t0);
    const rows = csvRows('email\nb@example.com\nc@example.com\n');
    // A row whose source violates the CHECK constraint makes the INSERT fail after b was queued.
    const broken = [...rows, { line: 4, email: 'd@example.com', source: 'fax' } as unknown as CsvSubscriberRow];
    expect(() => importSubscribers(db, broken, { now: t1 })).toThrow(/CHECK constraint/);
    expect(listSubscribers(db).map((s) => s.email)).toEqual(['a@example.com']);
  });

  it('bulk path (10,000+ new rows): rebuilds the indexes, which still enforce uniqueness and serve lookups', () => {
    addSubscriber(db, { email: 'first@example.com', source: 'cli' }, t0);
    const lines = ['email,name'];
    for (let i = 0; i < 10_050; i++) lines.push(`bulk${i}@example${i % 7}.com,Reader ${i}`);
    const result = importSubscribers(db, csvRows(lines.join('\n')), { now: t1 });
    expect(result).toMatchObject({ added: 10_050, updated: 0, unchanged: 0, skipped: [] });
    expect(countSubscribers(db).total).toBe(10_051);

    const indexes = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'subscribers'").all() as { name: string }[]).map(
      (i) => i.name,
    );
    expect(indexes).toEqual(expect.arrayContaining(['subscribers_email_key', 'subscribers_token', 'subscribers_status']));
    const plan = db.prepare("EXPLAIN QUERY PLAN SELECT id FROM subscribers WHERE token = 'x'").all() as { detail: string }[];
    expect(plan.map((p) => p.detail).join(' ')).toContain('subscribers_token');

    const sample = findSubscriberByEmail(db, 'BULK5000@example2.com');
    expect(sample).toMatchObject({ name: 'Reader 5000', status: 'active' });
    expect(findSubscriberByToken(db, sample!.token)?.id).toBe(sample!.id);
    const tokens = db.prepare('SELECT COUNT(DISTINCT token) AS n FROM subscribers').get() as { n: number };
    expect(tokens.n).toBe(10_051);
    // The rebuilt unique index still refuses a second row for a known key.
    expect(() =>
      db
        .prepare(
          "INSERT INTO subscribers (email, email_key, status, source, token, created_at, updated_at) VALUES ('x', 'bulk1@example1.com', 'active', 'cli', 'fresh', 'n', 'n')",
        )
        .run(),
    ).toThrow(/UNIQUE/);
  });
});
