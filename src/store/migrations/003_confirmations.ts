import type { Migration } from './index.js';

/**
 * Tables for `tayori start`:
 *  - confirmations: double opt-in links. Only the SHA-256 of a token is stored, so a copy of
 *    the database can't be used to confirm anyone; each row expires and is used once.
 *  - scheduler_locks: one row per lock, a lease renewed by heartbeat. A holder that stops
 *    renewing (killed, machine gone) loses it at `expires_at`, so a crash never blocks sending.
 *  - scheduled_digests: one row per cron due time that the scheduler handled ('sending' until
 *    the send returns), so no due time is sent twice whatever the restarts.
 *  - scheduler_state: small key/value facts, e.g. when this store's scheduler first ran (a
 *    fresh install does not "catch up" digests that were due before it existed).
 * Timestamps are ISO 8601 UTC strings from Date#toISOString, so they compare as text.
 */
export const confirmationsMigration: Migration = {
  name: '003_confirmations',
  sql: `
    CREATE TABLE confirmations (
      token_hash TEXT PRIMARY KEY,
      subscriber_id INTEGER NOT NULL REFERENCES subscribers (id) ON DELETE CASCADE,
      created_at TEXT NOT NULL,
      expires_at TEXT NOT NULL,
      confirmed_at TEXT
    );
    CREATE INDEX confirmations_subscriber ON confirmations (subscriber_id, created_at);
    CREATE TABLE scheduler_locks (
      name TEXT PRIMARY KEY,
      owner TEXT NOT NULL,
      pid INTEGER NOT NULL,
      host TEXT NOT NULL,
      acquired_at TEXT NOT NULL,
      heartbeat_at TEXT NOT NULL,
      expires_at TEXT NOT NULL
    );
    CREATE TABLE scheduled_digests (
      due_at TEXT PRIMARY KEY,
      outcome TEXT NOT NULL CHECK (outcome IN ('sending', 'sent', 'skipped', 'failed')),
      detail TEXT,
      updated_at TEXT NOT NULL
    );
    CREATE TABLE scheduler_state (
      key TEXT PRIMARY KEY,
      value TEXT NOT NULL
    );
  `,
};
