import type { Migration } from './index.js';

/**
 * The digest send ledger (DESIGN.md "Send pipeline"):
 *  - digests: one row per digest, keyed by its due time (`key`), with the period it covers and
 *    the post ids frozen at planning, so a resumed send mails exactly what was planned.
 *  - sent_posts: post id → digest; a post is in at most one digest, ever.
 *  - deliveries: one row per (digest, subscriber). A row is `sent` only after the SMTP server
 *    accepted the message; `sending` rows left by a crash go back to `queued` at the next start.
 * Timestamps are ISO 8601 UTC strings, so they compare as text.
 */
export const ledgerMigration: Migration = {
  name: '002_ledger',
  sql: `
    CREATE TABLE digests (
      id INTEGER PRIMARY KEY,
      key TEXT NOT NULL UNIQUE,
      period_start TEXT NOT NULL,
      period_end TEXT NOT NULL,
      post_ids TEXT NOT NULL,
      subject TEXT NOT NULL,
      status TEXT NOT NULL CHECK (status IN ('sending', 'sent')),
      created_at TEXT NOT NULL,
      finished_at TEXT
    );
    CREATE TABLE sent_posts (
      post_id TEXT PRIMARY KEY,
      digest_id INTEGER NOT NULL REFERENCES digests (id)
    );
    CREATE TABLE deliveries (
      id INTEGER PRIMARY KEY,
      digest_id INTEGER NOT NULL REFERENCES digests (id),
      subscriber_id INTEGER NOT NULL REFERENCES subscribers (id) ON DELETE CASCADE,
      status TEXT NOT NULL CHECK (status IN ('queued', 'sending', 'sent', 'failed', 'skipped')),
      attempts INTEGER NOT NULL DEFAULT 0,
      next_attempt_at TEXT,
      last_error TEXT,
      smtp_response TEXT,
      message_id TEXT,
      updated_at TEXT NOT NULL,
      sent_at TEXT,
      UNIQUE (digest_id, subscriber_id)
    );
    -- (digest_id, status) + the implicit rowid: claims read queued rows in id order without sorting.
    CREATE INDEX deliveries_work ON deliveries (digest_id, status);
  `,
};
