import { existsSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { migrate, openDb, type Db } from '../../src/store/db.js';
import { migrations } from '../../src/store/migrations/index.js';
import { tempDir } from '../helpers/paths.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()?.();
});

function tempDbFile(): string {
  const { dir, cleanup } = tempDir('tayori-db-');
  cleanups.push(cleanup);
  return path.join(dir, 'nested/folder/tayori.sqlite');
}

function open(file: string): Db {
  const db = openDb(file);
  cleanups.unshift(() => db.open && db.close());
  return db;
}

describe('openDb', () => {
  it('creates the file (and its folders) on first use with WAL, foreign keys and a busy timeout', () => {
    const file = tempDbFile();
    expect(existsSync(file)).toBe(false);
    const db = open(file);
    expect(existsSync(file)).toBe(true);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(db.pragma('busy_timeout', { simple: true })).toBeGreaterThanOrEqual(1000);
    expect(db.pragma('user_version', { simple: true })).toBe(migrations.length);
  });

  it('migrates an empty database to the subscribers schema', () => {
    const db = open(tempDbFile());
    const columns = (db.prepare("SELECT name FROM pragma_table_info('subscribers')").all() as { name: string }[]).map((c) => c.name);
    expect(columns).toEqual([
      'id',
      'email',
      'email_key',
      'name',
      'status',
      'categories',
      'source',
      'token',
      'created_at',
      'confirmed_at',
      'unsubscribed_at',
      'updated_at',
    ]);
    const indexes = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'subscribers'").all() as { name: string }[]).map(
      (i) => i.name,
    );
    expect(indexes).toEqual(expect.arrayContaining(['subscribers_email_key', 'subscribers_token', 'subscribers_status']));
    // The CHECK constraints hold even for SQL that bypasses the store module.
    expect(() =>
      db
        .prepare(
          "INSERT INTO subscribers (email, email_key, status, source, token, created_at, updated_at) VALUES ('a@x.io', 'a@x.io', 'vip', 'cli', 't', 'now', 'now')",
        )
        .run(),
    ).toThrow(/CHECK constraint/);
  });

  it('is safe to run twice: reopening and re-migrating keep data and apply nothing again', () => {
    const file = tempDbFile();
    const first = open(file);
    first
      .prepare(
        "INSERT INTO subscribers (email, email_key, status, source, token, created_at, updated_at) VALUES ('a@x.io', 'a@x.io', 'active', 'cli', 'tok', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z')",
      )
      .run();
    migrate(first);
    migrate(first);
    first.close();

    const second = open(file);
    expect(second.pragma('user_version', { simple: true })).toBe(migrations.length);
    expect(second.prepare('SELECT email FROM subscribers').all()).toEqual([{ email: 'a@x.io' }]);
  });

  it('brings a database left at an older version up to date without redoing earlier steps', () => {
    const file = tempDbFile();
    open(file).close();
    // Simulate a file written by an older tayori: only the first step applied.
    const raw = new Database(file);
    for (const { name } of raw.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name <> 'subscribers'").all() as { name: string }[]) {
      raw.exec(`DROP TABLE ${name}`);
    }
    raw.pragma('user_version = 1');
    raw.close();

    const db = open(file);
    expect(db.pragma('user_version', { simple: true })).toBe(migrations.length);
    const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map((t) => t.name);
    expect(tables).toContain('subscribers');
    expect(tables.length).toBeGreaterThan(migrations.length > 1 ? 1 : 0);
  });

  it('rolls a failing migration back completely, leaving the version where it was', () => {
    const db = new Database(':memory:');
    cleanups.push(() => db.close());
    migrations.push({ name: '999_broken', sql: 'CREATE TABLE half_done (x); THIS IS NOT SQL;' });
    try {
      expect(() => migrate(db)).toThrow();
    } finally {
      migrations.pop();
    }
    expect(db.pragma('user_version', { simple: true })).toBe(migrations.length);
    expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 'half_done'").get()).toBeUndefined();
  });
});
