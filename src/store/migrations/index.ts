import { subscribersMigration } from './001_subscribers.js';
import { ledgerMigration } from './002_ledger.js';
import { confirmationsMigration } from './003_confirmations.js';
import { abandonedDigestsMigration } from './004_abandoned_digests.js';
import { confirmationMailFailedMigration } from './005_confirmation_mail_failed.js';

/**
 * Versioned schema steps, applied in order; the position in this list is the version stored
 * in SQLite's `user_version`. Never edit or reorder a step that has shipped: append a new one.
 * Keep the SQL portable (no SQLite-only types) so the schema can move to PostgreSQL.
 */
export interface Migration {
  name: string;
  sql: string;
}

// Keep in file-number order.
export const migrations: Migration[] = [subscribersMigration, ledgerMigration, confirmationsMigration, abandonedDigestsMigration, confirmationMailFailedMigration];
