import { randomBytes } from 'node:crypto';
import { closeSync, openSync, statSync } from 'node:fs';
import os from 'node:os';
import cron, { type ScheduledTask } from 'node-cron';
import { watch, type FSWatcher } from 'chokidar';
import { systemClock, type Clock } from '../clock.js';
import type { Config } from '../config/schema.js';
import type { Db } from '../store/db.js';
import {
  acquireLock,
  claimDue,
  finishDue,
  latestDue,
  releaseLock,
  renewLock,
  stateOnce,
  unfinishedDues,
  type LockHolder,
  type LockOwner,
} from '../store/locks.js';
import { cronMatcher, latestDueAt, withinCatchUp, type CronMatcher } from './due.js';
import type { EventLog } from './log.js';
import { purgeExpiredConfirmations } from '../store/confirmations.js';
import { abandonDigest } from '../store/ledger.js';

const HOUSEKEEPING_EVERY_MS = 3600_000;
const EXPIRED_LINKS_KEPT_MS = 7 * 86_400_000;

export const DIGEST_LOCK = 'digest-scheduler';
/** The longest a stream of file events can put a rebuild off. */
const MAX_DEBOUNCE_MS = 5_000;
/** Older unfinished digests one due time's send finishes before its own (more is a fault: stop looping). */
const MAX_OLDER_DIGESTS = 10;
/** Wait before retrying a due time whose send did not complete. */
export const RETRY_MS = 5 * 60_000;

export interface SchedulerOptions {
  config: Config;
  db: Db;
  clock: Clock;
  log: EventLog;
  /**
   * Sends the digest for one due time (the same code as `tayori digest send`). `key` is unique
   * per due time; sending twice with one key must be a no-op. Resolves with counts to log.
   */
  sendDigest: (key: string, due: Date, signal: AbortSignal) => Promise<Record<string, unknown>>;
  /**
   * Rebuilds feeds and pages; returns when the output next changes by itself (a future post), if
   * ever. `signal` is aborted by stop(): a build that honours it ends early (BuildStopped).
   */
  rebuild?: (signal: AbortSignal) => { nextChangeAt?: Date | null } | Promise<{ nextChangeAt?: Date | null }>;
  /** Folder to watch for post changes (none: no watching). */
  postsDir?: string;
  /** Quiet time after the last file event before rebuilding. */
  debounceMs?: number;
  /** The longest a stream of file events can put a rebuild off (default 5 s). */
  maxDebounceMs?: number;
  /** How often to check that the posts folder is still the one watched (default 5 s). */
  rootCheckMs?: number;
  leaseMs?: number;
  heartbeatMs?: number;
  /**
   * The real time, for the lock's lease only (default systemClock). Not `clock`: that one may
   * run from a --now, and a lease is compared with other processes' (store/locks.ts).
   */
  wallClock?: Clock;
  owner?: LockOwner;
  /** Decides that a lock holder is dead (default: same host and its pid is not running). */
  holderIsGone?: (holder: LockHolder) => boolean;
}

export type DueResult =
  | { action: 'none' }
  | { action: 'not-leader'; holder?: LockHolder }
  | { action: 'busy' }
  | { action: 'stopped' }
  | { action: 'sent'; due: Date; summary: Record<string, unknown> }
  | { action: 'failed'; due: Date; error: string }
  | { action: 'skipped'; due: Date };

/** True unless the pid is gone from this machine (EPERM means it runs as another user). */
export function pidIsRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function defaultHolderIsGone(holder: LockHolder): boolean {
  return holder.host === os.hostname() && holder.pid !== process.pid && !pidIsRunning(holder.pid);
}

/**
 * The scheduler of `tayori start`. A node-cron tick (every minute, or every second for a
 * 6-field schedule) calls `runDueDigest(clock())`, which works out from the store whether a
 * due time has come and not been handled; so a late tick, a restart or a takeover all reach
 * the same decision, and a due time is claimed once in SQLite before anything is sent.
 */
export class Scheduler {
  readonly owner: LockOwner;
  private readonly matcher: CronMatcher;
  private readonly leaseMs: number;
  private readonly heartbeatMs: number;
  private readonly wallClock: Clock;
  private leader = false;
  private stopped = false;
  private running: Promise<DueResult> | undefined;
  private lastChecked: Date | undefined;
  private announcedStandby = false;
  /** Due times (ms) whose incomplete send may be retried from this time (ms). */
  private readonly retryAt = new Map<number, number>();
  private readonly abort = new AbortController();
  private tick: ScheduledTask | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private watcher: FSWatcher | undefined;
  /** The posts folder the watcher follows (folderIdentity), or null when it was missing. */
  private watchedRoot: string | null = null;
  /** Held open on that folder, so that its inode number can't go to a new folder while we compare. */
  private watchedRootFd: number | undefined;
  private rootCheck: NodeJS.Timeout | undefined;
  /** The posts folder could not be checked last time (logged once). */
  private rootUnreadable = false;
  /** When the first file event since the last rebuild came (Date.now()). */
  private firstEventAt: number | undefined;
  private debounce: NodeJS.Timeout | undefined;
  private futureTimer: NodeJS.Timeout | undefined;
  private rebuilding: Promise<void> | undefined;
  private rebuildAgain = false;
  private lastHousekeeping = Number.NEGATIVE_INFINITY;
  private built = false;

  constructor(private readonly options: SchedulerOptions) {
    this.matcher = cronMatcher(options.config.digest.schedule, options.config.site.timezone);
    this.leaseMs = options.leaseMs ?? 30_000;
    this.heartbeatMs = options.heartbeatMs ?? 5_000;
    this.wallClock = options.wallClock ?? systemClock;
    this.owner = options.owner ?? { id: randomBytes(8).toString('hex'), pid: process.pid, host: os.hostname() };
  }

  get isLeader(): boolean {
    return this.leader;
  }

  /** The first build, which start() runs unless it ran already (tayori start runs it before it listens). */
  async buildOnce(): Promise<void> {
    if (this.built) return;
    this.built = true;
    // When this store's scheduler first ran: digests due before that are not "missed".
    stateOnce(this.options.db, 'first-start', this.options.clock().toISOString());
    await this.rebuild('start');
  }

  /**
   * Builds once, then ticks, beats and watches, and takes the lock if free. A catch-up (or a
   * send to resume) starts in the background: with a long list it takes minutes, and meanwhile
   * the server answers, the heartbeat keeps the lease, and a stop is honoured (idle() waits for it).
   */
  async start(): Promise<void> {
    const { config, clock, log } = this.options;
    await this.buildOnce();
    if (this.stopped) return;
    const tickPattern = this.matcher.stepMs === 1000 ? '* * * * * *' : '* * * * *';
    this.tick = cron.schedule(tickPattern, () => void this.runDueDigest(this.options.clock()), {
      name: 'tayori-digest-tick',
      noOverlap: true,
      // Ticks missed while the machine slept need no line each: the next tick finds any due time.
      suppressMissedWarning: true,
      // Anything else node-cron says goes through the event log (one JSON line per event).
      logger: {
        info: () => {},
        debug: () => {},
        warn: (message) => log('warn', 'cron.warning', { message }),
        error: (message, error) => log('error', 'cron.error', { error: String(error ?? message) }),
      },
    });
    this.heartbeat = setInterval(() => this.beat(), this.heartbeatMs);
    if (this.options.postsDir) {
      this.watchPosts(this.options.postsDir);
      this.rootCheck = setInterval(() => this.checkPostsRoot(this.options.postsDir!), this.options.rootCheckMs ?? 5000);
    }
    this.tryLead();
    this.options.log('info', 'scheduler.started', {
      schedule: config.digest.schedule,
      timezone: config.site.timezone,
      role: this.leader ? 'sender' : 'standby',
    });
    if (this.leader) void this.runDueDigest(clock());
  }

  /** Resolves when the send and the build under way, if any, are done (tests; shutdown uses stop()). */
  async idle(): Promise<void> {
    while (this.running || this.rebuilding) await Promise.all([this.running, this.rebuilding]);
  }

  private watchPosts(postsDir: string): void {
    const debounceMs = this.options.debounceMs ?? 300;
    const watcher = watch(postsDir, { ignoreInitial: true });
    this.watcher = watcher;
    this.closeRootFd();
    try {
      this.watchedRootFd = openSync(postsDir, 'r');
    } catch {
      // Missing or unreadable: compared by path alone until it is back.
    }
    const identity = folderIdentity(postsDir);
    this.watchedRoot = identity instanceof Error ? null : identity;
    watcher.on('all', (event, file) => {
      if (event !== 'add' && event !== 'change' && event !== 'unlink' && event !== 'unlinkDir') return;
      clearTimeout(this.debounce);
      // Quiet time, but no longer than MAX_DEBOUNCE_MS after the first event: a folder that never
      // goes quiet (a sync tool, a generator) still gets built.
      this.firstEventAt ??= Date.now();
      const wait = Math.max(0, Math.min(debounceMs, this.firstEventAt + (this.options.maxDebounceMs ?? MAX_DEBOUNCE_MS) - Date.now()));
      this.debounce = setTimeout(() => {
        this.firstEventAt = undefined;
        void this.rebuild(`${event} ${file}`);
      }, wait);
    });
    watcher.on('error', (error) => this.options.log('error', 'watch.error', { error: String(error) }));
  }

  /**
   * A watcher follows the folder it was given, not its name: once the posts folder is deleted
   * and made again, or another folder is moved into its place, no event comes. So its identity
   * is checked now and then (one stat); when it changed, the watcher starts over and, once a
   * folder is there again, the site is rebuilt from what it holds.
   */
  private checkPostsRoot(postsDir: string): void {
    if (this.stopped) return;
    const now = folderIdentity(postsDir);
    if (now instanceof Error) {
      // Unreadable for now (permissions, a mount that dropped): keep watching what we have.
      if (!this.rootUnreadable) this.options.log('error', 'watch.error', { folder: postsDir, error: now.message });
      this.rootUnreadable = true;
      return;
    }
    this.rootUnreadable = false;
    if (now === this.watchedRoot) return;
    this.options.log('info', 'watch.restarted', { folder: postsDir, reason: now === null ? 'the posts folder is gone' : 'the posts folder was replaced' });
    void this.watcher?.close();
    this.watchPosts(postsDir);
    // While it is gone there is nothing new to build (its files' removal was seen already).
    if (now !== null) void this.rebuild('posts folder replaced');
  }

  private closeRootFd(): void {
    if (this.watchedRootFd !== undefined) closeSync(this.watchedRootFd);
    this.watchedRootFd = undefined;
  }

  /** Takes the lock when it is free or its holder is gone; logs a change of role. */
  private tryLead(): void {
    if (this.stopped) return;
    const result = acquireLock(this.options.db, DIGEST_LOCK, this.owner, this.wallClock(), this.leaseMs, this.options.holderIsGone ?? defaultHolderIsGone);
    if (result.acquired) {
      if (!this.leader) {
        this.options.log('info', 'scheduler.lock-acquired', result.tookOverFrom ? { tookOverFrom: { pid: result.tookOverFrom.pid, host: result.tookOverFrom.host } } : {});
      }
      this.leader = true;
    } else if (this.leader || !this.announcedStandby) {
      if (this.leader) this.options.log('warn', 'scheduler.lock-lost', { holder: { pid: result.holder.pid, host: result.holder.host } });
      else this.options.log('warn', 'scheduler.lock-held', {
        holder: { pid: result.holder.pid, host: result.holder.host, until: result.holder.expiresAt },
        note: 'another tayori start sends digests; this one serves HTTP and builds only',
      });
      this.leader = false;
      this.announcedStandby = true;
    }
  }

  private beat(): void {
    if (this.stopped) return;
    const now = this.options.clock();
    try {
      if (this.leader) {
        if (!renewLock(this.options.db, DIGEST_LOCK, this.owner.id, this.wallClock(), this.leaseMs)) {
          this.leader = false;
          this.options.log('warn', 'scheduler.lock-lost', {});
        } else {
          this.housekeeping(now);
        }
      } else {
        const wasLeader = this.leader;
        this.tryLead();
        // Took over from a dead sender: it may have left a due time unsent.
        if (!wasLeader && this.leader) void this.runDueDigest(now);
      }
    } catch (error) {
      this.options.log('error', 'scheduler.heartbeat-failed', { error: (error as Error).message });
    }
  }

  /**
   * Once an hour, on the sender only: forget confirmation links that expired over a week ago
   * (until then a late click still gets "this link has expired" rather than "unknown link").
   */
  private housekeeping(now: Date): void {
    if (now.getTime() - this.lastHousekeeping < HOUSEKEEPING_EVERY_MS) return;
    this.lastHousekeeping = now.getTime();
    const removed = purgeExpiredConfirmations(this.options.db, new Date(now.getTime() - EXPIRED_LINKS_KEPT_MS));
    if (removed > 0) this.options.log('info', 'confirmations.purged', { removed });
  }

  /**
   * Sends the digest if one is due and unhandled at `now`. Safe to call any number of times
   * from any number of processes: only the lock holder acts, and a due time is claimed in
   * SQLite (INSERT … ON CONFLICT DO NOTHING) before its send starts.
   */
  runDueDigest(now: Date): Promise<DueResult> {
    if (this.stopped) return Promise.resolve({ action: 'stopped' });
    if (this.running) return Promise.resolve({ action: 'busy' });
    this.running = this.checkDue(now)
      .catch((error: Error): DueResult => {
        // A store error (disk full, locked too long) must not end the process; the next tick retries.
        this.options.log('error', 'scheduler.error', { error: error.message });
        return { action: 'none' };
      })
      .finally(() => (this.running = undefined));
    return this.running;
  }

  private async checkDue(now: Date): Promise<DueResult> {
    const { db, config, log } = this.options;
    // Renew (or take) the lease before acting: a holder paused past its lease may have lost it.
    this.tryLead();
    if (!this.leader) return { action: 'not-leader' };
    // A send cut short (crash, kill -9, shutdown) is resumed: the ledger skips who got it.
    let last: DueResult = { action: 'none' };
    for (const due of unfinishedDues(db)) {
      const retryAt = this.retryAt.get(due.getTime());
      if (retryAt !== undefined && now.getTime() < retryAt) continue;
      if (withinCatchUp(due, now, config.digest.catchUp)) {
        log('info', 'digest.resume', { due: due.toISOString() });
        last = await this.send(due);
      } else {
        finishDue(db, due, 'failed', now, `interrupted and now older than digest.catchUp (${config.digest.catchUp} h); send by hand`);
        // Its queued deliveries wait for a send by hand; later scheduled sends pass it over.
        abandonDigest(db, due.toISOString(), now);
        log('warn', 'digest.abandoned', {
          due: due.toISOString(),
          catchUpHours: config.digest.catchUp,
          fix: 'run `tayori digest send` to finish it by hand; scheduled digests go on without it',
        });
      }
      if (this.stopped) return last;
    }
    const firstStart = new Date(stateOnce(db, 'first-start', now.toISOString()));
    const handled = latestDue(db);
    const after = new Date(Math.max(firstStart.getTime(), handled?.getTime() ?? 0, this.lastChecked?.getTime() ?? 0));
    this.lastChecked = now;
    const due = latestDueAt(this.matcher, now, after);
    if (!due) return last;
    if (!withinCatchUp(due, now, config.digest.catchUp)) {
      if (claimDue(db, due, 'skipped', now, `missed by more than digest.catchUp (${config.digest.catchUp} h)`)) {
        log('warn', 'digest.missed', {
          due: due.toISOString(),
          lateHours: Math.round(((now.getTime() - due.getTime()) / 3600_000) * 10) / 10,
          catchUpHours: config.digest.catchUp,
          fix: 'not sent automatically; run `tayori digest send` to send it by hand',
        });
      }
      return { action: 'skipped', due };
    }
    if (!claimDue(db, due, 'sending', now)) return last;
    return this.send(due);
  }

  /**
   * Runs one due time's send. Only a complete send closes the due time; an incomplete one (mail
   * server down, another process sending by hand, an error) stays 'sending' and is retried every
   * RETRY_MS while within digest.catchUp. Delivery-level retries belong to the digest ledger.
   */
  private async send(due: Date): Promise<DueResult> {
    const { db, log, clock } = this.options;
    const key = due.toISOString();
    log('info', 'digest.started', { due: key });
    let outcome: { summary?: Record<string, unknown>; error?: string };
    // A send finishes an older digest left unfinished first (a manual send cut short, a
    // scheduled one still retrying) and then returns; this due time's own digest comes after it.
    for (let runs = 0; ; runs++) {
      try {
        outcome = { summary: await this.options.sendDigest(key, due, this.abort.signal) };
      } catch (error) {
        outcome = { error: (error as Error).message };
      }
      const finishedOther = outcome.summary?.status === 'sent' && outcome.summary.key !== undefined && outcome.summary.key !== key;
      if (!finishedOther || this.abort.signal.aborted) break;
      log('info', 'digest.finished', { due: key, ...outcome.summary, note: 'an older unfinished digest; this due time\'s own digest follows' });
      if (runs + 1 >= MAX_OLDER_DIGESTS) {
        // Its own digest has not gone out: retried like any incomplete send.
        outcome = { error: `finished ${MAX_OLDER_DIGESTS} older unfinished digests and not yet this one; see \`tayori digest status\`` };
        break;
      }
    }
    if (this.abort.signal.aborted) {
      // Stopped mid-send: stays 'sending', so the next start resumes it.
      log('info', 'digest.interrupted', { due: key, ...outcome.summary, error: outcome.error });
      return { action: 'stopped' };
    }
    if (outcome.summary && outcome.summary.status !== 'incomplete') {
      finishDue(db, due, 'sent', clock(), JSON.stringify(outcome.summary));
      this.retryAt.delete(due.getTime());
      log('info', 'digest.finished', { due: key, ...outcome.summary });
      return { action: 'sent', due, summary: outcome.summary };
    }
    this.retryAt.set(due.getTime(), clock().getTime() + RETRY_MS);
    const error = outcome.error ?? String(outcome.summary?.reason ?? 'incomplete');
    log('error', 'digest.incomplete', { due: key, ...outcome.summary, error, retryInMinutes: RETRY_MS / 60_000 });
    return { action: 'failed', due, error };
  }

  /** Rebuilds now (serialised: a request during a build runs one more build after it). */
  rebuild(reason: string): Promise<void> {
    if (!this.options.rebuild || this.stopped) return Promise.resolve();
    if (this.rebuilding) {
      this.rebuildAgain = true;
      return this.rebuilding;
    }
    this.rebuilding = (async () => {
      do {
        this.rebuildAgain = false;
        try {
          const result = await this.options.rebuild!(this.abort.signal);
          this.scheduleFuture(result.nextChangeAt ?? null);
        } catch (error) {
          if (this.abort.signal.aborted) this.options.log('info', 'build.stopped', { reason });
          else this.options.log('error', 'build.failed', { reason, error: (error as Error).message });
        }
      } while (this.rebuildAgain && !this.stopped);
    })().finally(() => (this.rebuilding = undefined));
    return this.rebuilding;
  }

  /** A future-dated post appears when its time comes, without anyone touching a file. */
  private scheduleFuture(at: Date | null): void {
    clearTimeout(this.futureTimer);
    if (!at || this.stopped) return;
    const wait = Math.min(Math.max(at.getTime() - this.options.clock().getTime(), 0) + 1000, 2 ** 31 - 1);
    this.futureTimer = setTimeout(() => void this.rebuild('scheduled post'), wait);
  }

  /**
   * Stops taking new work, lets the send in flight finish its current messages (the abort
   * signal tells sendDigest to stop after them), and gives up the lock.
   */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.abort.abort();
    await this.tick?.destroy();
    clearInterval(this.heartbeat);
    clearInterval(this.rootCheck);
    this.closeRootFd();
    clearTimeout(this.debounce);
    clearTimeout(this.futureTimer);
    await this.watcher?.close();
    await this.running;
    await this.rebuilding;
    if (this.leader) releaseLock(this.options.db, DIGEST_LOCK, this.owner.id);
    this.leader = false;
  }
}

/**
 * A folder's device and inode, or null when there is no folder at that path. (A folder deleted
 * and made again would often get the same inode number back, but not while the watched one is
 * held open.)
 */
function folderIdentity(dir: string): string | null | Error {
  try {
    const stat = statSync(dir, { throwIfNoEntry: false });
    return stat?.isDirectory() ? `${stat.dev}:${stat.ino}` : null;
  } catch (error) {
    return error as Error;
  }
}
