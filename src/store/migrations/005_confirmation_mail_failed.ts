import type { Migration } from './index.js';

/**
 * confirmations.mail_failed_at: set when sending the link's mail reported an error. The link
 * stays valid (an error after the message went out, such as a timeout waiting for the server's
 * answer, may still have delivered it), but it no longer counts as "mailed moments ago", so
 * asking again sends a new link at once.
 */
export const confirmationMailFailedMigration: Migration = {
  name: '005_confirmation_mail_failed',
  sql: `
    ALTER TABLE confirmations ADD COLUMN mail_failed_at TEXT;
  `,
};
