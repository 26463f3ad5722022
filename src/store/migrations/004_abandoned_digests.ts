import type { Migration } from './index.js';

/**
 * digests.abandoned_at: set when the scheduler gives up on a digest whose send was interrupted
 * and is now older than `digest.catchUp`. Its undelivered rows stay queued for a send by hand
 * (`tayori digest send` finishes it), but scheduled sends pass it over, so a restored server
 * does not mail stale news on its own and the next week's digest goes out on time.
 */
export const abandonedDigestsMigration: Migration = {
  name: '004_abandoned_digests',
  sql: `
    ALTER TABLE digests ADD COLUMN abandoned_at TEXT;
  `,
};
