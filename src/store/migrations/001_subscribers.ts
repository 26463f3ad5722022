import type { Migration } from './index.js';

/**
 * Subscribers. `email_key` is the comparison form of the address (domain lower-cased and
 * IDNA-encoded, local part lower-cased), so one person can't be in the table twice.
 * `token` is the secret for unsubscribe links: random, never derived from the address.
 * Timestamps are ISO 8601 UTC strings; `categories` is a JSON array (empty = everything).
 */
/**
 * The subscribers indexes, kept apart from CREATE TABLE (UNIQUE indexes rather than column
 * constraints) so a bulk import can drop and rebuild them: building an index once over 100k
 * sorted keys is several times faster than 100k random inserts into it.
 */
export const SUBSCRIBER_INDEXES = {
  create: `
    CREATE UNIQUE INDEX subscribers_email_key ON subscribers (email_key);
    CREATE UNIQUE INDEX subscribers_token ON subscribers (token);
    CREATE INDEX subscribers_status ON subscribers (status);
  `,
  drop: `
    DROP INDEX subscribers_email_key;
    DROP INDEX subscribers_token;
    DROP INDEX subscribers_status;
  `,
};

export const subscribersMigration: Migration = {
  name: '001_subscribers',
  sql: `
    CREATE TABLE subscribers (
      id INTEGER PRIMARY KEY,
      email TEXT NOT NULL,
      email_key TEXT NOT NULL,
      name TEXT,
      status TEXT NOT NULL CHECK (status IN ('pending', 'active', 'unsubscribed', 'bounced', 'complained')),
      categories TEXT NOT NULL DEFAULT '[]',
      source TEXT NOT NULL CHECK (source IN ('cli', 'import', 'web')),
      token TEXT NOT NULL,
      created_at TEXT NOT NULL,
      confirmed_at TEXT,
      unsubscribed_at TEXT,
      updated_at TEXT NOT NULL
    );
    ${SUBSCRIBER_INDEXES.create}
  `,
};
