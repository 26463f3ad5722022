import type { Statement, Transaction } from 'better-sqlite3';
import type { Db } from './db.js';

// Prepared once per connection: compiling SQL on every call costs more than running it.
const statements = new WeakMap<Db, Map<string, Statement>>();
function sql(db: Db, text: string): Statement {
  let cache = statements.get(db);
  if (!cache) statements.set(db, (cache = new Map()));
  let statement = cache.get(text);
  if (!statement) cache.set(text, (statement = db.prepare(text)));
  return statement;
}

/**
 * All SQL of the digest send ledger (tables in migrations/002_ledger.ts). Every state change is
 * its own transaction, so a process killed between any two statements leaves a ledger that the
 * next run can finish: `sending` rows go back to `queued` (recoverInFlight), nothing else is lost.
 */

export type DeliveryStatus = 'queued' | 'sending' | 'sent' | 'failed' | 'skipped';
export const DELIVERY_STATUSES: readonly DeliveryStatus[] = ['queued', 'sending', 'sent', 'failed', 'skipped'];

export interface DigestRecord {
  id: number;
  key: string;
  periodStart: string;
  periodEnd: string;
  postIds: string[];
  subject: string;
  status: 'sending' | 'sent';
  createdAt: string;
  finishedAt: string | null;
  /** Set when the scheduler gave up on it (interrupted, older than digest.catchUp): only a send by hand finishes it. */
  abandonedAt: string | null;
}

interface DigestRow {
  id: number;
  key: string;
  period_start: string;
  period_end: string;
  post_ids: string;
  subject: string;
  status: 'sending' | 'sent';
  created_at: string;
  finished_at: string | null;
  abandoned_at: string | null;
}

function toDigest(row: DigestRow): DigestRecord {
  return {
    id: row.id,
    key: row.key,
    periodStart: row.period_start,
    periodEnd: row.period_end,
    postIds: JSON.parse(row.post_ids) as string[],
    subject: row.subject,
    status: row.status,
    createdAt: row.created_at,
    finishedAt: row.finished_at,
    abandonedAt: row.abandoned_at,
  };
}

/** A subscriber as the digest sees one: where to send, what they chose, the unsubscribe secret. */
export interface Recipient {
  subscriberId: number;
  email: string;
  name: string | null;
  token: string;
  /** Empty means every post. */
  categories: string[];
}

function parseCategories(json: string): string[] {
  try {
    const value = JSON.parse(json) as unknown;
    return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
  } catch {
    return [];
  }
}

interface RecipientRow {
  id: number;
  email: string;
  name: string | null;
  token: string;
  categories: string;
}

function toRecipient(row: RecipientRow): Recipient {
  return { subscriberId: row.id, email: row.email, name: row.name, token: row.token, categories: parseCategories(row.categories) };
}

export function listActiveRecipients(db: Db): Recipient[] {
  const rows = sql(db, "SELECT id, email, name, token, categories FROM subscribers WHERE status = 'active' ORDER BY id").all() as RecipientRow[];
  return rows.map(toRecipient);
}

/**
 * The deliveries of a digest still to go (`queued`, or `sending` left by a killed run: a resume
 * sends both), with each subscriber's status now; a resume skips those no longer active.
 */
export function listRemainingRecipients(db: Db, digestId: number): Array<Recipient & { status: string }> {
  const rows = sql(db,
    `SELECT s.id, s.email, s.name, s.token, s.categories, s.status
     FROM deliveries d JOIN subscribers s ON s.id = d.subscriber_id
     WHERE d.digest_id = ? AND d.status IN ('queued', 'sending') ORDER BY d.id`,
  ).all(digestId) as Array<RecipientRow & { status: string }>;
  return rows.map((row) => ({ ...toRecipient(row), status: row.status }));
}

export function findDigestByKey(db: Db, key: string): DigestRecord | undefined {
  const row = sql(db, 'SELECT * FROM digests WHERE key = ?').get(key) as DigestRow | undefined;
  return row ? toDigest(row) : undefined;
}

/**
 * The oldest digest whose deliveries are not all final (a crash or an outage interrupted it).
 * Scheduled sends pass `includeAbandoned: false`: a digest the scheduler gave up on waits for a send by hand.
 */
export function findUnfinishedDigest(db: Db, { includeAbandoned = true } = {}): DigestRecord | undefined {
  const row = sql(db, "SELECT * FROM digests WHERE status = 'sending' AND (? OR abandoned_at IS NULL) ORDER BY id LIMIT 1")
    .get(includeAbandoned ? 1 : 0) as DigestRow | undefined;
  return row ? toDigest(row) : undefined;
}

/** Marks the unfinished digest planned under `key` abandoned; false when there is none. */
export function abandonDigest(db: Db, key: string, now: Date): boolean {
  return sql(db, "UPDATE digests SET abandoned_at = ? WHERE key = ? AND status = 'sending' AND abandoned_at IS NULL")
    .run(now.toISOString(), key).changes === 1;
}

export function listDigests(db: Db, limit: number): Array<DigestRecord & { counts: Record<DeliveryStatus, number> }> {
  const rows = sql(db, 'SELECT * FROM digests ORDER BY id DESC LIMIT ?').all(limit) as DigestRow[];
  return rows.map((row) => ({ ...toDigest(row), counts: deliveryCounts(db, row.id) }));
}

/** Ids of every post that some digest already holds. */
export function sentPostIds(db: Db): Set<string> {
  const rows = sql(db, 'SELECT post_id FROM sent_posts').all() as Array<{ post_id: string }>;
  return new Set(rows.map((r) => r.post_id));
}

/** Where the very first digest's period began: older posts never go out (no flood on install). */
export function ledgerEpoch(db: Db): string | undefined {
  const row = sql(
    db,
    `SELECT MIN(start) AS start FROM (
       SELECT MIN(period_start) AS start FROM digests
       UNION ALL SELECT value FROM scheduler_state WHERE key = ?)`,
  ).get(WAITING_SINCE) as { start: string | null };
  return row.start ?? undefined;
}

const WAITING_SINCE = 'digest_waiting_since';

/**
 * A send found new posts but no active subscriber (a new site's first week): no digest is
 * planned, and this remembers from when posts are waiting (first call wins), so that the first
 * digest that has someone to go to still takes them, however much later it comes.
 */
export function rememberPostsWaitingSince(db: Db, start: Date): void {
  sql(db, 'INSERT INTO scheduler_state (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING').run(WAITING_SINCE, start.toISOString());
}

/** End of the latest digest's period: the next digest's period starts there. */
export function lastPeriodEnd(db: Db): string | undefined {
  const row = sql(db, 'SELECT MAX(period_end) AS end FROM digests').get() as { end: string | null };
  return row.end ?? undefined;
}

export interface DigestPlan {
  key: string;
  periodStart: Date;
  periodEnd: Date;
  postIds: string[];
  subject: string;
  /**
   * Asked once per distinct category selection among active subscribers (stored JSON text,
   * parsed): undefined when the selection gets the digest, else why it is skipped (no post in
   * those categories). Deliveries are then written by one INSERT … SELECT per selection, so
   * planning 100,000 subscribers holds no row of them in memory.
   */
  skipReason: (categories: string[]) => string | undefined;
}

/**
 * Plan step: the digest row, its posts in sent_posts and one delivery per active subscriber, in
 * one transaction. A key that is already planned returns that digest untouched (planning twice is a no-op).
 * With no active subscriber nothing is written and the result is undefined: a digest to nobody
 * would still put its posts in sent_posts, and they would never reach the first subscribers.
 * (Checked in the same transaction as the inserts, so a list emptied meanwhile can't slip through.)
 */
export function planDigest(db: Db, plan: DigestPlan, now: Date): { digest: DigestRecord; created: boolean } | undefined {
  return db
    .transaction(() => {
      const existing = findDigestByKey(db, plan.key);
      if (existing) return { digest: existing, created: false };
      if (!sql(db, "SELECT 1 FROM subscribers WHERE status = 'active' LIMIT 1").get()) return undefined;
      const iso = now.toISOString();
      const { lastInsertRowid } = sql(db, 
          `INSERT INTO digests (key, period_start, period_end, post_ids, subject, status, created_at)
           VALUES (?, ?, ?, ?, ?, 'sending', ?)`,
        )
        .run(plan.key, plan.periodStart.toISOString(), plan.periodEnd.toISOString(), JSON.stringify(plan.postIds), plan.subject, iso);
      const digestId = Number(lastInsertRowid);
      const post = sql(db, 'INSERT INTO sent_posts (post_id, digest_id) VALUES (?, ?)');
      for (const id of plan.postIds) post.run(id, digestId);
      const selections = sql(db, "SELECT DISTINCT categories FROM subscribers WHERE status = 'active'").pluck().all() as string[];
      const deliveries = sql(db, 
        `INSERT INTO deliveries (digest_id, subscriber_id, status, last_error, updated_at)
         SELECT ?, id, ?, ?, ? FROM subscribers WHERE status = 'active' AND categories = ? ORDER BY id
         ON CONFLICT (digest_id, subscriber_id) DO NOTHING`,
      );
      for (const categories of selections) {
        const skip = plan.skipReason(parseCategories(categories));
        deliveries.run(digestId, skip ? 'skipped' : 'queued', skip ?? null, iso, categories);
      }
      return { digest: findDigestByKey(db, plan.key)!, created: true };
    })
    .immediate();
}

/** Recover step: deliveries a killed process left in `sending` go back to `queued`. */
export function recoverInFlight(db: Db, digestId: number, now: Date): number {
  return sql(db, "UPDATE deliveries SET status = 'queued', updated_at = ? WHERE digest_id = ? AND status = 'sending'")
    .run(now.toISOString(), digestId).changes;
}

export interface ClaimedDelivery extends Recipient {
  deliveryId: number;
  /** Attempts made before this one. */
  attempts: number;
}

/**
 * Claim step: marks at most `limit` due `queued` deliveries `sending`. The subscriber's status
 * is read in the same transaction, so whoever unsubscribed or bounced since planning is
 * marked `skipped` instead and gets nothing from the rest of the run.
 */
export function claimBatch(db: Db, digestId: number, limit: number, now: Date): ClaimedDelivery[] {
  if (limit <= 0) return [];
  let claim = claimTransactions.get(db);
  if (!claim) claimTransactions.set(db, (claim = db.transaction(claimRows)));
  return claim.immediate(db, digestId, limit, now.toISOString());
}

// One transaction function per connection: better-sqlite3 builds a new wrapper (and its
// statements) for every db.transaction() call, and this one runs thousands of times a send.
const claimTransactions = new WeakMap<Db, Transaction<typeof claimRows>>();

function claimRows(db: Db, digestId: number, limit: number, iso: string): ClaimedDelivery[] {
  const rows = sql(db, 
      `SELECT d.id AS delivery_id, d.attempts, s.id, s.email, s.name, s.token, s.categories, s.status
       FROM deliveries d JOIN subscribers s ON s.id = d.subscriber_id
       WHERE d.digest_id = ? AND d.status = 'queued' AND (d.next_attempt_at IS NULL OR d.next_attempt_at <= ?)
       ORDER BY d.id LIMIT ?`,
    )
    .all(digestId, iso, limit) as Array<RecipientRow & { delivery_id: number; attempts: number; status: string }>;
  const skip = sql(db, "UPDATE deliveries SET status = 'skipped', last_error = ?, updated_at = ? WHERE id = ?");
  const take = sql(db, "UPDATE deliveries SET status = 'sending', updated_at = ? WHERE id = ?");
  const claimed: ClaimedDelivery[] = [];
  for (const row of rows) {
    if (row.status !== 'active') {
      skip.run(`subscriber is ${row.status}`, iso, row.delivery_id);
      continue;
    }
    take.run(iso, row.delivery_id);
    claimed.push({
      subscriberId: row.id,
      email: row.email,
      name: row.name,
      token: row.token,
      categories: parseCategories(row.categories),
      deliveryId: row.delivery_id,
      attempts: row.attempts,
    });
  }
  return claimed;
}

/** Record step, success: only called once the server accepted the message. */
export function markSent(db: Db, deliveryId: number, result: { messageId: string; response: string }, now: Date): void {
  const iso = now.toISOString();
  sql(db, 
    `UPDATE deliveries SET status = 'sent', attempts = attempts + 1, message_id = ?, smtp_response = ?, last_error = NULL,
       next_attempt_at = NULL, sent_at = ?, updated_at = ? WHERE id = ?`,
  ).run(result.messageId, result.response, iso, iso, deliveryId);
}

/** Record step, temporary failure: back to `queued`, not before `nextAttemptAt`. */
export function markRetry(db: Db, deliveryId: number, error: string, nextAttemptAt: Date, now: Date, { countAttempt = true } = {}): void {
  sql(db, 
    `UPDATE deliveries SET status = 'queued', attempts = attempts + ?, last_error = ?, next_attempt_at = ?, updated_at = ? WHERE id = ?`,
  ).run(countAttempt ? 1 : 0, error, nextAttemptAt.toISOString(), now.toISOString(), deliveryId);
}

/** Record step, final failure; a permanent recipient failure also marks the subscriber `bounced`. */
export function markFailed(db: Db, deliveryId: number, error: string, now: Date, { bounce }: { bounce: boolean }): void {
  const iso = now.toISOString();
  db.transaction(() => {
    sql(db, 
      `UPDATE deliveries SET status = 'failed', attempts = attempts + 1, last_error = ?, next_attempt_at = NULL, updated_at = ? WHERE id = ?`,
    ).run(error, iso, deliveryId);
    if (bounce) {
      sql(db, 
        `UPDATE subscribers SET status = 'bounced', updated_at = ?
         WHERE id = (SELECT subscriber_id FROM deliveries WHERE id = ?) AND status = 'active'`,
      ).run(iso, deliveryId);
    }
  }).immediate();
}

export function markSkipped(db: Db, deliveryId: number, reason: string, now: Date): void {
  sql(db, "UPDATE deliveries SET status = 'skipped', last_error = ?, updated_at = ? WHERE id = ?").run(reason, now.toISOString(), deliveryId);
}

/** Earliest retry time among queued deliveries (`null` rows are due at once), or undefined when none is queued. */
export function nextQueuedAt(db: Db, digestId: number): string | undefined {
  const row = sql(db, 
      `SELECT COUNT(*) AS n, MIN(COALESCE(next_attempt_at, '')) AS at FROM deliveries WHERE digest_id = ? AND status = 'queued'`,
    )
    .get(digestId) as { n: number; at: string | null };
  return row.n === 0 ? undefined : (row.at ?? '');
}

export function deliveryCounts(db: Db, digestId: number): Record<DeliveryStatus, number> {
  const counts = Object.fromEntries(DELIVERY_STATUSES.map((s) => [s, 0])) as Record<DeliveryStatus, number>;
  const rows = sql(db, 'SELECT status, COUNT(*) AS n FROM deliveries WHERE digest_id = ? GROUP BY status').all(digestId) as Array<{
    status: DeliveryStatus;
    n: number;
  }>;
  for (const row of rows) counts[row.status] = row.n;
  return counts;
}

/** Deliveries of one digest that made more than one attempt (for the summary's "retried"). */
export function retriedCount(db: Db, digestId: number): number {
  const row = sql(db, 'SELECT COUNT(*) AS n FROM deliveries WHERE digest_id = ? AND attempts > 1').get(digestId) as { n: number };
  return row.n;
}

/** Marks the digest `sent` once no delivery is queued or in flight; true when it is finished. */
export function finishDigestIfDone(db: Db, digestId: number, now: Date): boolean {
  return db
    .transaction(() => {
      const open = sql(db, "SELECT COUNT(*) AS n FROM deliveries WHERE digest_id = ? AND status IN ('queued', 'sending')")
        .get(digestId) as { n: number };
      if (open.n > 0) return false;
      sql(db, "UPDATE digests SET status = 'sent', finished_at = COALESCE(finished_at, ?) WHERE id = ?").run(now.toISOString(), digestId);
      return true;
    })
    .immediate();
}
