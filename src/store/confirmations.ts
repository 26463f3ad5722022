import { createHash, randomBytes } from 'node:crypto';
import type { Db } from './db.js';
import { findSubscriberById, setSubscriberStatus } from './subscribers.js';

/**
 * Double opt-in confirmations. The link carries a random token; the store keeps only its
 * SHA-256, an expiry, and when it was used. Confirming activates the subscriber in the same
 * transaction, so a crash never leaves a used link with a pending subscriber.
 */

/** 32 random bytes, base64url: 43 characters of [A-Za-z0-9_-]. */
export const CONFIRM_TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export function createConfirmation(db: Db, subscriberId: number, now: Date, ttlMs: number): { token: string; expiresAt: Date } {
  const token = randomBytes(32).toString('base64url');
  const expiresAt = new Date(now.getTime() + ttlMs);
  db.prepare(
    'INSERT INTO confirmations (token_hash, subscriber_id, created_at, expires_at) VALUES (?, ?, ?, ?)',
  ).run(hashToken(token), subscriberId, now.toISOString(), expiresAt.toISOString());
  return { token, expiresAt };
}

/**
 * True when a confirmation mail for this subscriber was created after `since` (one mail per
 * burst). A link whose mail reported an error doesn't count: asking again sends a new one.
 */
export function hasRecentConfirmation(db: Db, subscriberId: number, since: Date): boolean {
  const row = db
    .prepare('SELECT 1 FROM confirmations WHERE subscriber_id = ? AND created_at > ? AND mail_failed_at IS NULL LIMIT 1')
    .get(subscriberId, since.toISOString());
  return row !== undefined;
}

export type ConfirmResult =
  | { outcome: 'confirmed'; subscriberId: number }
  | { outcome: 'already'; subscriberId: number }
  | { outcome: 'expired' }
  | { outcome: 'unknown' };

/**
 * Uses a confirmation link: a pending (or unsubscribed, re-subscribing) subscriber becomes
 * active. Idempotent: a second click answers 'already' and changes nothing. Bounced or
 * complained addresses are not revived by a web link. A link older than the subscriber's last
 * unsubscribe is spent: it was asked for before they left, and must not sign them up again.
 */
export function confirmByToken(db: Db, token: string, now: Date): ConfirmResult {
  if (!CONFIRM_TOKEN_PATTERN.test(token)) return { outcome: 'unknown' };
  return db.transaction((): ConfirmResult => {
    const row = db
      .prepare('SELECT subscriber_id, created_at, expires_at, confirmed_at FROM confirmations WHERE token_hash = ?')
      .get(hashToken(token)) as { subscriber_id: number; created_at: string; expires_at: string; confirmed_at: string | null } | undefined;
    if (!row) return { outcome: 'unknown' };
    const subscriber = findSubscriberById(db, row.subscriber_id);
    if (!subscriber) return { outcome: 'unknown' };
    // "Already confirmed" only while it holds; a used link of someone who left since is just old.
    if (row.confirmed_at !== null) return subscriber.status === 'active' ? { outcome: 'already', subscriberId: subscriber.id } : { outcome: 'expired' };
    if (row.expires_at <= now.toISOString()) return { outcome: 'expired' };
    if (subscriber.unsubscribedAt !== null && row.created_at <= subscriber.unsubscribedAt) return { outcome: 'expired' };
    db.prepare('UPDATE confirmations SET confirmed_at = ? WHERE token_hash = ?').run(now.toISOString(), hashToken(token));
    if (subscriber.status === 'pending' || subscriber.status === 'unsubscribed') {
      setSubscriberStatus(db, subscriber.id, 'active', now);
    }
    return { outcome: 'confirmed', subscriberId: subscriber.id };
  }).immediate();
}

/**
 * Records that sending this link's mail reported an error. The link keeps working: an error
 * can come after the message went out (a timeout waiting for the server's final answer), and
 * then the subscriber has the link. It only stops counting toward the resend window.
 */
export function markConfirmationMailFailed(db: Db, token: string, now: Date): void {
  db.prepare('UPDATE confirmations SET mail_failed_at = ? WHERE token_hash = ? AND confirmed_at IS NULL').run(now.toISOString(), hashToken(token));
}

/** Removes confirmations that expired before `before` (housekeeping; links stay unknown afterwards). */
export function purgeExpiredConfirmations(db: Db, before: Date): number {
  return db.prepare('DELETE FROM confirmations WHERE expires_at < ?').run(before.toISOString()).changes;
}
