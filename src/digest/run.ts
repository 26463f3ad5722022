import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { systemClock, type Clock } from '../clock.js';
import type { Config } from '../config/schema.js';
import type { FullPost, Post } from '../content/post.js';
import type { Db } from '../store/db.js';
import {
  claimBatch,
  deliveryCounts,
  findDigestByKey,
  findUnfinishedDigest,
  finishDigestIfDone,
  lastPeriodEnd,
  ledgerEpoch,
  listActiveRecipients,
  listRemainingRecipients,
  markFailed,
  markRetry,
  markSent,
  rememberPostsWaitingSince,
  markSkipped,
  nextQueuedAt,
  planDigest,
  recoverInFlight,
  sentPostIds,
  type ClaimedDelivery,
  type DigestRecord,
  type Recipient,
} from '../store/ledger.js';
import { acquireLock, releaseLock, renewLock, type LockHolder } from '../store/locks.js';
import { classify, type Mailer } from '../mail/transport.js';
import { buildDigestMessage, digestMessageId, unsubscribeUrl } from './message.js';
import { isAsciiAddress, prepareMime, type MimeBuilder } from './mime.js';
import { renderDigest, type Period, type RenderedDigest } from './render.js';
import { lookbackStart, postsForCategories, selectDigestPosts, variantKey } from './select.js';
import { loadDigestTemplates, type DigestTemplates } from './templates.js';

/**
 * Drives one digest through the ledger (DESIGN.md "Send pipeline"): plan → recover → claim at
 * most `mailer.maxInFlight` → send → record the finished results in one transaction with the
 * next claim. The ledger, not memory, says who still needs the digest, so a killed run is
 * finished by the next one.
 */

export interface Progress {
  digestId: number;
  total: number;
  sent: number;
  failed: number;
  skipped: number;
  queued: number;
  inFlight: number;
  retried: number;
}

export interface DigestSummary {
  /**
   * sent: every delivery is final; incomplete: some still queued (outage, abort); no-posts /
   * already-sent: nothing to do; no-subscribers: new posts but nobody active, so no digest was
   * planned and the posts stay new for the next send (`posts` counts them).
   */
  status: 'sent' | 'incomplete' | 'no-posts' | 'already-sent' | 'no-subscribers';
  digestId?: number;
  key?: string;
  subject?: string;
  periodStart?: string;
  periodEnd?: string;
  posts: number;
  /** True when this run finished a digest an earlier run had started. */
  resumed: boolean;
  /** Deliveries in the digest (one per subscriber active when it was planned). */
  recipients: number;
  /** Counted in this run (except `skipped`: every delivery of the digest skipped so far, e.g. an empty category selection). */
  sent: number;
  retried: number;
  failed: number;
  bounced: number;
  skipped: number;
  /** Still queued when the run ended. */
  remaining: number;
  /** Deliveries put back to `queued` at start (left `sending` by a killed run). */
  recovered: number;
  durationMs: number;
  perSecond: number;
  /** Why the run stopped early (SMTP unreachable, authentication refused, aborted). */
  reason?: string;
}

export interface SendDigestOptions {
  config: Config;
  db: Db;
  mailer: Mailer;
  /** Published at `now`, newest first. */
  posts: Post[];
  /** content/load.ts `loadFull` fits as is. */
  loadFull: (post: Post, config: Config) => FullPost;
  now: Date;
  /** Unique per due time; planning twice with one key is a no-op. Default: `manual:<now>`. */
  key?: string;
  /** Folder with the site's templates (config paths.templates resolved); built-in templates fill gaps. */
  templatesDir?: string;
  onProgress?: (p: Progress) => void;
  /** Stop taking new work; in-flight messages finish and are recorded. */
  signal?: AbortSignal;
  /**
   * Whether an unfinished digest the scheduler abandoned (older than digest.catchUp) is
   * finished first, as a send by hand does (default). The scheduler passes false.
   */
  resumeAbandoned?: boolean;
  /** How `sleep` waits (tests may shorten); default setTimeout. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /**
   * The real time, for the send lock's lease only (store/locks.ts: other processes compare it
   * with theirs, so never `now`, which may be a simulated --now). Default: systemClock.
   */
  wallClock?: Clock;
}

export const SEND_LOCK = 'digest-send';
const LOCK_LEASE_MS = 60_000;

/** Recipients per variant key are computed from the frozen post list and the subscriber's current categories. */
export class DigestRenderer {
  private readonly templates: DigestTemplates;
  private readonly full = new Map<string, FullPost>();
  private readonly variants = new Map<string, RenderedDigest | null>();

  constructor(
    private readonly config: Config,
    private readonly posts: readonly Post[],
    private readonly loadFull: (post: Post, config: Config) => FullPost,
    private readonly period: Period,
    templatesDir: string,
  ) {
    this.templates = loadDigestTemplates(templatesDir, config.site.language, config.digest.subject);
  }

  private fullPost(post: Post): FullPost {
    let full = this.full.get(post.id);
    if (!full) {
      full = this.loadFull(post, this.config);
      this.full.set(post.id, full);
    }
    return full;
  }

  /** The rendering for a category selection, or null when it selects no post (the subscriber gets nothing). */
  forCategories(categories: readonly string[]): RenderedDigest | null {
    const chosen = postsForCategories(this.posts, categories);
    const key = variantKey(chosen);
    if (!this.variants.has(key)) {
      this.variants.set(key, chosen.length === 0 ? null : renderDigest(this.templates, this.config, chosen.map((p) => this.fullPost(p)), this.period));
    }
    return this.variants.get(key)!;
  }

  private readonly mime = new WeakMap<RenderedDigest, MimeBuilder>();

  /** The variant's prebuilt MIME (built on first use). */
  mimeFor(rendered: RenderedDigest): MimeBuilder {
    let builder = this.mime.get(rendered);
    if (!builder) {
      builder = prepareMime(this.config, rendered);
      this.mime.set(rendered, builder);
    }
    return builder;
  }

  get variantCount(): number {
    return this.variants.size;
  }
}

const defaultTemplatesDir = (config: Config) => path.resolve(config.paths.templates);

/** What the next `digest send` would mail: an unfinished digest first, else a new one at `now`. */
export type DigestDraft =
  | { kind: 'unfinished'; digest: DigestRecord; posts: Post[]; period: Period }
  | { kind: 'new'; posts: Post[]; period: Period }
  | { kind: 'none'; period: Period };

export function draftDigest(db: Db, config: Config, posts: readonly Post[], now: Date, { resumeAbandoned = true } = {}): DigestDraft {
  const unfinished = findUnfinishedDigest(db, { includeAbandoned: resumeAbandoned });
  if (unfinished) {
    const byId = new Map(posts.map((p) => [p.id, p]));
    const frozen = unfinished.postIds.map((id) => byId.get(id)).filter((p): p is Post => p !== undefined);
    return { kind: 'unfinished', digest: unfinished, posts: frozen, period: { start: new Date(unfinished.periodStart), end: new Date(unfinished.periodEnd) } };
  }
  const epoch = ledgerEpoch(db);
  const last = lastPeriodEnd(db);
  const period = { start: last ? new Date(last) : epoch ? new Date(epoch) : lookbackStart(now, config.digest.lookback), end: now };
  const chosen = selectDigestPosts({ posts, now, sent: sentPostIds(db), epoch: epoch ? new Date(epoch) : undefined, lookbackDays: config.digest.lookback });
  return chosen.length === 0 ? { kind: 'none', period } : { kind: 'new', posts: chosen, period };
}

export interface DigestPreview {
  /** One per subscriber the send would go to; `subject` null: their categories select no post (skipped). */
  rows: Array<{ recipient: Recipient; subject: string | null; posts: number }>;
  /**
   * Set when the next send resumes an unfinished digest: then `rows` are its remaining
   * deliveries whose subscriber is still active (what the resume sends), not the whole list.
   */
  resume?: {
    digestId: number;
    /** Deliveries still queued (or left sending by a killed run). */
    remaining: number;
    /** Of those, subscribers no longer active: the resume skips them. */
    inactive: number;
    /** Already sent by the interrupted run(s). */
    sent: number;
  };
}

/**
 * Who would get what (for `digest send --dry-run`); no ledger change. It says what the real
 * send would do: a new digest goes to every active subscriber, but an unfinished one is resumed
 * first, and that goes only to its remaining deliveries, minus whoever unsubscribed since.
 */
export function planPreview(
  db: Db,
  config: Config,
  draft: DigestDraft & { kind: 'new' | 'unfinished' },
  renderer: DigestRenderer,
): DigestPreview {
  const row = (recipient: Recipient) => {
    const rendered = renderer.forCategories(recipient.categories);
    return { recipient, subject: rendered?.subject ?? null, posts: postsForCategories(draft.posts, recipient.categories).length };
  };
  if (draft.kind === 'new') return { rows: listActiveRecipients(db).map(row) };
  const remaining = listRemainingRecipients(db, draft.digest.id);
  const active = remaining.filter((r) => r.status === 'active').map(({ status: _status, ...recipient }) => recipient);
  return {
    rows: active.map(row),
    resume: { digestId: draft.digest.id, remaining: remaining.length, inactive: remaining.length - active.length, sent: deliveryCounts(db, draft.digest.id).sent },
  };
}

function defaultSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** Spaces message starts `1000 / perSecond` ms apart across all connections (nodemailer's own limit overshoots with a pool). */
export class RateLimiter {
  private nextSlot = 0;
  constructor(
    private readonly perSecond: number,
    private readonly sleep: (ms: number) => Promise<void>,
    private readonly clockMs: () => number = () => performance.now(),
  ) {}
  async take(): Promise<void> {
    if (this.perSecond <= 0) return;
    const now = this.clockMs();
    const slot = Math.max(now, this.nextSlot);
    this.nextSlot = slot + 1000 / this.perSecond;
    if (slot > now) await this.sleep(slot - now);
  }
}

function pidIsGone(holder: LockHolder): boolean {
  if (holder.host !== hostname()) return false;
  try {
    process.kill(holder.pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

export class SendLockedError extends Error {
  override name = 'SendLockedError';
}

/** Refusals of the message itself in a row before a run stops (see the 'rejected' kind). */
const REJECTED_STREAK_LIMIT = 3;

export async function sendDigest(opts: SendDigestOptions): Promise<DigestSummary> {
  const { config, db, mailer } = opts;
  const started = performance.now();
  // A running clock from `now`: retry times advance in real time even with a fixed --now.
  const clock = () => new Date(opts.now.getTime() + (performance.now() - started));
  const sleep = opts.sleep ?? defaultSleep;
  const wallClock = opts.wallClock ?? systemClock;
  const owner = { id: randomBytes(9).toString('base64url'), pid: process.pid, host: hostname() };
  const lock = acquireLock(db, SEND_LOCK, owner, wallClock(), LOCK_LEASE_MS, pidIsGone);
  if (!lock.acquired) {
    throw new SendLockedError(
      `another tayori process (pid ${lock.holder.pid} on ${lock.holder.host}) is sending a digest; wait for it to finish, or stop it and rerun`,
    );
  }
  try {
    return await runLocked(opts, clock, sleep, started, owner.id, wallClock);
  } finally {
    releaseLock(db, SEND_LOCK, owner.id);
  }
}

async function runLocked(
  opts: SendDigestOptions,
  clock: () => Date,
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>,
  started: number,
  ownerId: string,
  wallClock: Clock,
): Promise<DigestSummary> {
  const { config, db, mailer, now } = opts;
  const key = opts.key ?? `manual:${now.toISOString()}`;
  const empty = (status: DigestSummary['status'], extra: Partial<DigestSummary> = {}): DigestSummary => ({
    status, posts: 0, resumed: false, recipients: 0, sent: 0, retried: 0, failed: 0, bounced: 0, skipped: 0, remaining: 0, recovered: 0,
    durationMs: performance.now() - started, perSecond: 0, key, ...extra,
  });

  const draft = draftDigest(db, config, opts.posts, now, { resumeAbandoned: opts.resumeAbandoned ?? true });
  const templatesDir = opts.templatesDir ?? defaultTemplatesDir(config);
  let digest: DigestRecord;
  let renderer: DigestRenderer;
  const resumed = draft.kind === 'unfinished';
  if (draft.kind === 'unfinished') {
    digest = draft.digest;
    renderer = new DigestRenderer(config, draft.posts, opts.loadFull, draft.period, templatesDir);
  } else {
    const existing = findDigestByKey(db, key);
    if (existing) return empty('already-sent', { digestId: existing.id, subject: existing.subject, posts: existing.postIds.length });
    if (draft.kind === 'none') return empty('no-posts', { periodStart: draft.period.start.toISOString(), periodEnd: draft.period.end.toISOString() });
    renderer = new DigestRenderer(config, draft.posts, opts.loadFull, draft.period, templatesDir);
    const skipReason = (categories: string[]) =>
      renderer.forCategories(categories) ? undefined : `no post in the subscriber's categories (${categories.join(', ')})`;
    const whole = renderer.forCategories([]);
    const planned = planDigest(
      db,
      { key, periodStart: draft.period.start, periodEnd: draft.period.end, postIds: draft.posts.map((p) => p.id), subject: whole?.subject ?? '', skipReason },
      clock(),
    );
    if (!planned) {
      // Nobody to send to (a new site's first week, every subscriber still pending): no digest,
      // so the posts are not used up and go to the first subscribers in the next send, which
      // starts from here even when it comes after more than `digest.lookback` days.
      rememberPostsWaitingSince(db, draft.period.start);
      return empty('no-subscribers', { posts: draft.posts.length, periodStart: draft.period.start.toISOString(), periodEnd: draft.period.end.toISOString() });
    }
    digest = planned.digest;
  }

  const recovered = recoverInFlight(db, digest.id, clock());
  const initial = deliveryCounts(db, digest.id);
  const total = Object.values(initial).reduce((a, b) => a + b, 0);
  const run = { sent: 0, retried: 0, failed: 0, bounced: 0, skipped: 0 };
  const counts = { ...initial, queued: initial.queued + initial.sending, sending: 0 };
  const inFlight = new Set<Promise<void>>();
  const limiter = new RateLimiter(config.mail.rateLimit, (ms) => sleep(ms, opts.signal));
  const retryDelayMs = config.mail.retryDelay * 1000;
  let stopReason: string | undefined;
  // The mail server unreachable (refused, dropped, timed out) is the run's problem, not a
  // delivery's: the whole run waits (retryDelay, doubling) and then tries again, for
  // mail.retries rounds. A round is one wait and one new try, not one failed message: the
  // messages in flight when the server went away fail together, in one round, and fresh ones
  // are not sent meanwhile (they would fail at once and count as rounds, or each wait out a
  // connection timeout). `round` numbers the rounds; each message remembers the one it was sent
  // in, so only the first failure of a round starts a wait. Any answer from the server ends it.
  const outage = { round: 0, failedRounds: 0, untilMs: 0 };
  const serverAnswered = () => {
    outage.failedRounds = 0;
    outage.untilMs = 0;
  };
  // Refusals of the message itself (5xx after the data) not judged yet. One refusal may be about
  // its recipient (their mailbox's size limit), several in a row are about the content, which
  // goes to everyone, and then nobody is to blame. Which it was is known only by what comes next,
  // so until then the delivery stays `sending` in the ledger (the server refused it: a crash that
  // sends it again makes no second copy): a later accepted message makes them `failed`; a stop
  // for refusals puts them back to `queued`, so the rerun reaches them. That counts one attempt
  // (the server did refuse this message to them): refusals that were about their recipients after
  // all (three full mailboxes left at the end of a list) fail after mail.retries reruns instead of
  // holding the digest open forever; a content problem, fixed, costs each at most one attempt.
  let refused: Array<{ deliveryId: number; text: string; attempts: number }> = [];
  let refusalStop = false;
  const failRefused = () => {
    for (const { deliveryId, text } of refused) {
      record(() => markFailed(db, deliveryId, text, clock(), { bounce: false }));
      counts.queued--, counts.failed++, run.failed++;
    }
    refused = [];
  };
  const requeueRefused = () => {
    for (const { deliveryId, text, attempts } of refused) {
      if (attempts + 1 > config.mail.retries) {
        record(() => markFailed(db, deliveryId, `refused ${attempts + 1} times: ${text}`, clock(), { bounce: false }));
        counts.queued--, counts.failed++, run.failed++;
      } else {
        record(() => markRetry(db, deliveryId, text, clock(), clock()));
      }
    }
    refused = [];
  };

  const progress = () =>
    opts.onProgress?.({
      digestId: digest.id, total, sent: counts.sent, failed: counts.failed, skipped: counts.skipped, queued: counts.queued,
      inFlight: inFlight.size, retried: run.retried,
    });

  // Results are recorded in the same transaction as the next claim: one commit (one fsync)
  // per group of finished messages instead of one per message. A delivery stays `sending` until its record
  // commits, so the rows a crash can leave in doubt are still at most maxInFlight.
  const pending: Array<() => void> = [];
  const record = (write: () => void) => pending.push(write);
  // Built once: better-sqlite3 prepares BEGIN/COMMIT for every transaction function it makes.
  const flushAndClaimTx = db.transaction((writes: Array<() => void>, capacity: number) => {
    for (const write of writes) write();
    return claimBatch(db, digest.id, capacity, clock());
  });
  // Writes leave `pending` only once their transaction committed, so a failed commit (busy
  // store, full disk) keeps them for the final flush instead of losing finished results.
  const flushAndClaim = (capacity: number) => {
    const writes = pending.slice();
    const claimed = flushAndClaimTx.immediate(writes, capacity);
    pending.splice(0, writes.length);
    return claimed;
  };

  const deliver = async (claimed: ClaimedDelivery): Promise<void> => {
    const rendered = renderer.forCategories(claimed.categories);
    if (!rendered) {
      record(() => markSkipped(db, claimed.deliveryId, 'no post in the subscriber\'s categories', clock()));
      counts.queued--, counts.skipped++, run.skipped++;
      return;
    }
    await limiter.take();
    if (opts.signal?.aborted) {
      // Stopped while waiting for the rate limit: not sent, back in the queue as it was.
      record(() => markRetry(db, claimed.deliveryId, 'not sent: the run stopped first', clock(), clock(), { countAttempt: false }));
      return;
    }
    const messageId = digestMessageId(config.site.url, digest.key, claimed.subscriberId);
    // Prebuilt MIME with the personal parts filled in; nodemailer composes only unusual (non-ASCII) addresses.
    const message = isAsciiAddress(claimed.email)
      ? {
          from: config.digest.from, to: claimed.email, subject: rendered.subject, text: '', html: '', messageId,
          raw: renderer.mimeFor(rendered).build({ to: claimed.email, messageId, date: clock(), unsubscribeUrl: unsubscribeUrl(config.site.url, claimed.token) }),
        }
      : buildDigestMessage(config, rendered, claimed, messageId, clock());
    const round = outage.round;
    try {
      const result = await mailer.send(message);
      record(() => markSent(db, claimed.deliveryId, result, clock()));
      counts.queued--, counts.sent++, run.sent++;
      serverAnswered();
      // The server takes this content: the refusals before it were about their recipients.
      if (!refusalStop) failRefused();
    } catch (error) {
      const kind = classify(error);
      const text = error instanceof Error ? error.message : String(error);
      if (kind === 'permanent' || kind === 'rejected' || kind === 'temporary') serverAnswered();
      if (kind === 'permanent') {
        record(() => markFailed(db, claimed.deliveryId, text, clock(), { bounce: true }));
        counts.queued--, counts.failed++, run.failed++, run.bounced++;
      } else if (kind === 'rejected') {
        // The message, not the address: never a bounce. Held until judged (see `refused`); the
        // run stops when it keeps happening, since the same content goes to everyone.
        refused.push({ deliveryId: claimed.deliveryId, text, attempts: claimed.attempts });
        if (refusalStop) {
          requeueRefused(); // in flight when the run stopped for refusals: refused for the same reason
        } else if (refused.length >= REJECTED_STREAK_LIMIT) {
          refusalStop = true;
          stopReason ??= `the mail server refused the message itself ${refused.length} times in a row (${text}); they go back to the queue: check the digest's size and content (or the server), then rerun \`tayori digest send\``;
          requeueRefused();
        }
      } else if (kind === 'temporary') {
        if (claimed.attempts + 1 > config.mail.retries) {
          record(() => markFailed(db, claimed.deliveryId, `gave up after ${claimed.attempts + 1} attempts: ${text}`, clock(), { bounce: false }));
          counts.queued--, counts.failed++, run.failed++;
        } else {
          record(() => markRetry(db, claimed.deliveryId, text, new Date(clock().getTime() + retryDelayMs * 2 ** claimed.attempts), clock()));
          run.retried++;
        }
      } else if (kind === 'not-sent') {
        // Cancelled by a stop, or by an outage's wait, before it reached the server: back in the queue as it was.
        const why = outage.untilMs > clock().getTime() ? 'not sent: held back while the mail server is unreachable' : text;
        record(() => markRetry(db, claimed.deliveryId, why, clock(), clock(), { countAttempt: false }));
      } else if (kind === 'unavailable') {
        // The server, not the recipient: no attempt is counted; the whole run waits (see `outage`).
        if (round === outage.round) {
          outage.round++;
          outage.failedRounds++;
          if (outage.failedRounds > config.mail.retries) {
            stopReason ??= `the mail server is unreachable (${text}; tried ${outage.failedRounds} times, waiting in between); the digest stays queued: rerun \`tayori digest send\` to resume`;
          } else {
            outage.untilMs = clock().getTime() + retryDelayMs * 2 ** Math.min(outage.failedRounds - 1, 10);
          }
          // Messages still waiting for a connection would only meet the same closed door (or
          // each wait out a timeout): they come back unsent and go out after the wait.
          mailer.cancelQueued?.();
        }
        const retryAt = new Date(Math.max(outage.untilMs, clock().getTime()));
        record(() => markRetry(db, claimed.deliveryId, text, retryAt, clock(), { countAttempt: false }));
        run.retried++;
      } else {
        record(() => markRetry(db, claimed.deliveryId, text, clock(), clock(), { countAttempt: false }));
        // Fatal: the sender, the login or the connection settings (TLS); the error text says which.
        stopReason ??= `a mail configuration problem (${text}); fix SMTP_URL or digest.from, then rerun \`tayori digest send\` to resume`;
      }
    }
  };

  // The lease is renewed on a timer, not between claims: waits on slow sends, the rate limit
  // or retries can be longer than the lease, and an expired lease lets another process take
  // over and re-send what is in flight here. A lost lease stops this run from claiming more.
  const heartbeat = setInterval(() => {
    try {
      if (!renewLock(db, SEND_LOCK, ownerId, wallClock(), LOCK_LEASE_MS)) {
        stopReason ??= 'another process took over the send lock; this run stops claiming';
      }
    } catch {
      // A busy store: the next beat tries again, well within the lease.
    }
  }, LOCK_LEASE_MS / 6);
  // A stop takes effect at once, not at the next group commit: messages still waiting for a
  // connection come back as not sent, and only those in transfer are waited for.
  const onAbort = (): void => {
    stopReason ??= 'stopped by signal; rerun `tayori digest send` to resume';
    mailer.cancelQueued?.();
  };
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  progress();
  let loopError: unknown;
  try {
    await sendLoop();
  } catch (error) {
    loopError = error;
  } finally {
    clearInterval(heartbeat);
    opts.signal?.removeEventListener('abort', onAbort);
  }
  // Whatever ended the loop, messages already handed to the server finish and are recorded
  // before the caller releases the lock: each one as it finishes, so that a shutdown that runs
  // out of time loses none that the server took.
  while (inFlight.size > 0) {
    await Promise.race(inFlight);
    try {
      flushAndClaim(0);
    } catch {
      // A busy or full store: the results stay pending for the flush below, once all are in.
    }
  }
  // Refusals still unjudged: with nothing left to send they were about their recipients (fewer
  // than REJECTED_STREAK_LIMIT in a row, the digest finishes); a run stopped for another reason
  // (a signal, an outage, an error) leaves them to the next run to judge.
  if (stopReason !== undefined || loopError !== undefined) requeueRefused();
  else failRefused();
  flushAndClaim(0);
  if (loopError !== undefined) throw loopError;
  progress();

  async function sendLoop(): Promise<void> {
    for (;;) {
      if (opts.signal?.aborted) stopReason ??= 'stopped by signal; rerun `tayori digest send` to resume';
      if (stopReason) break;
      // During an outage's wait nothing new goes out; what finishes is still recorded.
      const outageWait = outage.untilMs - clock().getTime();
      const capacity = outageWait > 0 ? 0 : mailer.maxInFlight - inFlight.size;
      const batch = flushAndClaim(capacity);
      progress();
      for (const claimed of batch) {
        const task: Promise<void> = deliver(claimed)
          .catch((error: unknown) => {
            // Rendering or building this message failed, so nothing was sent: record the delivery
            // as failed (else every rerun would claim it first and stop again) and stop the run.
            const text = `internal error: ${(error as Error).message}`;
            record(() => markFailed(db, claimed.deliveryId, text, clock(), { bounce: false }));
            counts.queued--, counts.failed++, run.failed++;
            stopReason ??= text;
          })
          .finally(() => inFlight.delete(task));
        inFlight.add(task);
      }
      if (inFlight.size > 0) {
        // Group commit: wait until half the window has finished, then record all of those in
        // one transaction (one fsync) with the next claim, instead of one commit per message.
        const lowWater = Math.floor(mailer.maxInFlight / 2);
        do await Promise.race(inFlight);
        while (inFlight.size > lowWater && !stopReason && !opts.signal?.aborted);
        continue;
      }
      if (batch.length > 0) continue;
      if (outageWait > 0) {
        await sleep(Math.min(outageWait, LOCK_LEASE_MS / 3), opts.signal);
        continue;
      }
      // Nothing in flight and nothing due: done, or wait for the earliest retry.
      const next = nextQueuedAt(db, digest.id);
      if (next === undefined) break;
      const wait = next === '' ? 0 : new Date(next).getTime() - clock().getTime();
      if (wait > 0) await sleep(Math.min(wait, LOCK_LEASE_MS / 3), opts.signal);
      // Subscribers skipped at claim time (unsubscribed) leave counts stale: refresh them.
      Object.assign(counts, deliveryCounts(db, digest.id));
    }
  }

  const finished = finishDigestIfDone(db, digest.id, clock());
  const final = deliveryCounts(db, digest.id);
  const durationMs = performance.now() - started;
  return {
    status: finished ? 'sent' : 'incomplete',
    digestId: digest.id,
    key: digest.key,
    subject: digest.subject,
    periodStart: digest.periodStart,
    periodEnd: digest.periodEnd,
    posts: digest.postIds.length,
    resumed,
    recipients: total,
    ...run,
    skipped: final.skipped,
    remaining: final.queued + final.sending,
    recovered,
    durationMs,
    perSecond: run.sent / Math.max(durationMs / 1000, 0.001),
    reason: finished ? undefined : (stopReason ?? 'stopped with deliveries still queued'),
  };
}

