import type { Db } from './db.js';

/**
 * The scheduler's lease lock and its record of handled due times.
 *
 * Only one process may send digests. The holder renews `expires_at` on a heartbeat; anyone may
 * take a lock whose lease has expired, or whose holder the caller proves gone (same host, pid
 * no longer running). All decisions run in an IMMEDIATE transaction, so two processes that
 * race for a free lock can't both win.
 *
 * Every time given here (`wallNow`) must be the real time (clock.ts `systemClock`), never a
 * simulated `--now`: leases are compared across processes, and a sender whose clock says last
 * week would look expired to one on the real clock, which would take over its live send and
 * mail its messages in flight a second time (and one whose clock says next year would never
 * let go). `--now` only picks posts and dates messages.
 */
export interface LockOwner {
  /** Unique per process run (random), so a restarted process with a recycled pid is not "us". */
  id: string;
  pid: number;
  host: string;
}

export interface LockHolder extends LockOwner {
  acquiredAt: string;
  heartbeatAt: string;
  expiresAt: string;
}

export type AcquireResult = { acquired: true; tookOverFrom?: LockHolder } | { acquired: false; holder: LockHolder };

interface LockRow {
  owner: string;
  pid: number;
  host: string;
  acquired_at: string;
  heartbeat_at: string;
  expires_at: string;
}

function toHolder(row: LockRow): LockHolder {
  return { id: row.owner, pid: row.pid, host: row.host, acquiredAt: row.acquired_at, heartbeatAt: row.heartbeat_at, expiresAt: row.expires_at };
}

export function readLock(db: Db, name: string): LockHolder | undefined {
  const row = db.prepare('SELECT * FROM scheduler_locks WHERE name = ?').get(name) as LockRow | undefined;
  return row ? toHolder(row) : undefined;
}

export function acquireLock(
  db: Db,
  name: string,
  owner: LockOwner,
  wallNow: Date,
  leaseMs: number,
  holderIsGone: (holder: LockHolder) => boolean = () => false,
): AcquireResult {
  return db.transaction((): AcquireResult => {
    const current = readLock(db, name);
    const iso = wallNow.toISOString();
    const expires = new Date(wallNow.getTime() + leaseMs).toISOString();
    if (current && current.id !== owner.id && current.expiresAt > iso && !holderIsGone(current)) {
      return { acquired: false, holder: current };
    }
    db.prepare(
      `INSERT INTO scheduler_locks (name, owner, pid, host, acquired_at, heartbeat_at, expires_at)
       VALUES (@name, @owner, @pid, @host, @now, @now, @expires)
       ON CONFLICT (name) DO UPDATE SET owner = @owner, pid = @pid, host = @host,
         acquired_at = CASE WHEN scheduler_locks.owner = @owner THEN scheduler_locks.acquired_at ELSE @now END,
         heartbeat_at = @now, expires_at = @expires`,
    ).run({ name, owner: owner.id, pid: owner.pid, host: owner.host, now: iso, expires });
    return current && current.id !== owner.id ? { acquired: true, tookOverFrom: current } : { acquired: true };
  }).immediate();
}

/** Extends the lease. False when the lock is no longer ours (expired and taken by another process). */
export function renewLock(db: Db, name: string, ownerId: string, wallNow: Date, leaseMs: number): boolean {
  const result = db
    .prepare('UPDATE scheduler_locks SET heartbeat_at = ?, expires_at = ? WHERE name = ? AND owner = ?')
    .run(wallNow.toISOString(), new Date(wallNow.getTime() + leaseMs).toISOString(), name, ownerId);
  return result.changes === 1;
}

export function releaseLock(db: Db, name: string, ownerId: string): void {
  db.prepare('DELETE FROM scheduler_locks WHERE name = ? AND owner = ?').run(name, ownerId);
}

// --- due times -------------------------------------------------------------------------------

export type DueOutcome = 'sending' | 'sent' | 'skipped' | 'failed';

export interface DueRecord {
  dueAt: string;
  outcome: DueOutcome;
  detail: string | null;
  updatedAt: string;
}

export function readDue(db: Db, dueAt: Date): DueRecord | undefined {
  const row = db.prepare('SELECT due_at, outcome, detail, updated_at FROM scheduled_digests WHERE due_at = ?').get(dueAt.toISOString()) as
    | { due_at: string; outcome: DueOutcome; detail: string | null; updated_at: string }
    | undefined;
  return row ? { dueAt: row.due_at, outcome: row.outcome, detail: row.detail, updatedAt: row.updated_at } : undefined;
}

export function listDue(db: Db): DueRecord[] {
  const rows = db.prepare('SELECT due_at, outcome, detail, updated_at FROM scheduled_digests ORDER BY due_at').all() as {
    due_at: string;
    outcome: DueOutcome;
    detail: string | null;
    updated_at: string;
  }[];
  return rows.map((r) => ({ dueAt: r.due_at, outcome: r.outcome, detail: r.detail, updatedAt: r.updated_at }));
}

/**
 * Claims a due time for sending. True only for the first claim: a due time already 'sent',
 * 'skipped' or 'sending' is never claimed again (a 'sending' left by a crash is resumed
 * through `unfinishedDues`, whose send is idempotent by key).
 */
export function claimDue(db: Db, dueAt: Date, outcome: 'sending' | 'skipped', now: Date, detail?: string): boolean {
  const result = db
    .prepare('INSERT INTO scheduled_digests (due_at, outcome, detail, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT (due_at) DO NOTHING')
    .run(dueAt.toISOString(), outcome, detail ?? null, now.toISOString());
  return result.changes === 1;
}

export function finishDue(db: Db, dueAt: Date, outcome: 'sent' | 'failed', now: Date, detail?: string): void {
  db.prepare('UPDATE scheduled_digests SET outcome = ?, detail = ?, updated_at = ? WHERE due_at = ?').run(
    outcome,
    detail ?? null,
    now.toISOString(),
    dueAt.toISOString(),
  );
}

/** Due times whose send began but never recorded an end (the process died mid-send). */
export function unfinishedDues(db: Db): Date[] {
  const rows = db.prepare("SELECT due_at FROM scheduled_digests WHERE outcome = 'sending' ORDER BY due_at").all() as { due_at: string }[];
  return rows.map((r) => new Date(r.due_at));
}

/** The latest due time this store has any record of. */
export function latestDue(db: Db): Date | undefined {
  const row = db.prepare('SELECT MAX(due_at) AS due FROM scheduled_digests').get() as { due: string | null };
  return row.due ? new Date(row.due) : undefined;
}

/** Reads a scheduler fact, writing `fallback` first if it isn't set (first-writer wins). */
export function stateOnce(db: Db, key: string, fallback: string): string {
  db.prepare('INSERT INTO scheduler_state (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING').run(key, fallback);
  return (db.prepare('SELECT value FROM scheduler_state WHERE key = ?').get(key) as { value: string }).value;
}
