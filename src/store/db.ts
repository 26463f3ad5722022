import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { migrations } from './migrations/index.js';

export type Db = Database.Database;

/**
 * Opens (creating on first use) the SQLite file and brings its schema up to date.
 * WAL lets readers run beside one writer; synchronous=FULL makes a committed delivery
 * survive power loss as well as a crash; busy_timeout makes a second process wait for
 * the write lock instead of failing with SQLITE_BUSY.
 */
export function openDb(file: string): Db {
  if (file !== ':memory:') mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const db = new Database(file);
  db.pragma('busy_timeout = 10000');
  switchToWal(db);
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  migrate(db);
  return db;
}

/**
 * Switching a new file to WAL needs a moment of exclusive access, and SQLite does not run the
 * busy handler for it: two processes creating the store at once would see SQLITE_BUSY. Retry
 * for as long as busy_timeout would wait. (Once the file is in WAL mode this is a no-op read.)
 */
function switchToWal(db: Db, timeoutMs = 10_000): void {
  const pause = new Int32Array(new SharedArrayBuffer(4));
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      db.pragma('journal_mode = WAL');
      return;
    } catch (error) {
      if ((error as { code?: string }).code !== 'SQLITE_BUSY' || Date.now() > deadline) throw error;
      Atomics.wait(pause, 0, 0, 10 + Math.random() * 20);
    }
  }
}

/**
 * Runs every migration newer than the file's `user_version`, each in its own immediate
 * transaction, so running twice (or from two processes at once) applies each step once.
 */
export function migrate(db: Db): void {
  for (const [index, migration] of migrations.entries()) {
    const version = index + 1;
    db.transaction(() => {
      const current = db.pragma('user_version', { simple: true }) as number;
      if (current >= version) return;
      db.exec(migration.sql);
      db.pragma(`user_version = ${version}`);
    }).immediate();
  }
}
