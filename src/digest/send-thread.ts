import type { Config } from '../config/schema.js';
import type { Post } from '../content/post.js';
import { startWorker } from '../threads/start.js';
import type { DigestSummary, Progress } from './run.js';

/**
 * `sendDigest` on a thread of its own, with a small young generation: how `tayori digest send`
 * and the scheduler run a real send. The ledger, the MIME fill-in and the SMTP thread are the same as
 * in-process; the thread opens its own connection to the store and makes its own mailer.
 *
 * Why a thread: each message leaves a little garbage that outlives the young generation (about
 * 0.45 kB a message, measured on the sending thread), and V8 collects the old generation only
 * once it has grown to a multiple (up to 4×) of what the last full collection left. In the
 * CLI's main thread that is the ~22 MB of loaded modules, so only a long send reached it and a
 * send to 100,000 peaked higher than one to 10,000. On a thread whose heap is capped
 * (`resourceLimits`: a small young generation, see SEND_YOUNG_MB), almost nothing is promoted
 * and the peak is the same for any list size. The old-generation cap is far above what a send
 * keeps alive (the site's post list, the digest's renderings, the messages in flight); should a
 * send ever exceed it, the thread stops with an error and the ledger keeps what was sent.
 */
export interface SendJob {
  config: Config;
  databaseFile: string;
  outboxDir: string;
  templatesDir: string;
  /** Published at `now`, newest first (plain data: it is copied to the thread). */
  posts: Post[];
  now: Date;
  key?: string;
  resumeAbandoned?: boolean;
  /** What createMailer reads: SMTP_URL, DKIM_PRIVATE_KEY. */
  env: NodeJS.ProcessEnv;
}

export interface SendOnThreadOptions {
  /** Stop taking new work; the messages in flight finish and are recorded. */
  signal?: AbortSignal;
  /** At most every PROGRESS_EVERY_MS, and once at the end. */
  onProgress?: (progress: Progress) => void;
}

/** What the thread gets: the job, and a flag the caller sets when the send should stop. */
export interface SendThreadData extends SendJob {
  /** 1 once aborted: read before the send starts (a message would only be read at its first wait). */
  abortFlag: Int32Array;
}

export type SendThreadRequest = { type: 'abort' };
export type SendThreadReply =
  | { type: 'progress'; progress: Progress }
  | { type: 'done'; summary: DigestSummary; mailer: 'smtp' | 'outbox' }
  | { type: 'failed'; error: { name: string; message: string; code?: string; stack?: string } };

export const PROGRESS_EVERY_MS = 100;
/** The send thread's old-generation cap (see above); a send keeps well under 50 MB alive. */
const SEND_HEAP_MB = 1024;
/**
 * A young generation this small is what keeps the old one flat: with V8's default (up to 48 MB),
 * objects of the messages in flight outlived two scavenges often enough to be promoted at about
 * 0.45 kB a message; with 12 MB, next to nothing is (measured with --trace-gc at 50,000).
 */
const SEND_YOUNG_MB = 12;

export function sendDigestOnThread(job: SendJob, options: SendOnThreadOptions = {}): Promise<{ summary: DigestSummary; mailer: 'smtp' | 'outbox' }> {
  const abortFlag = new Int32Array(new SharedArrayBuffer(4));
  if (options.signal?.aborted) abortFlag[0] = 1;
  const worker = startWorker(new URL('./send-worker.js', import.meta.url), {
    workerData: { ...job, abortFlag } satisfies SendThreadData,
    resourceLimits: { maxOldGenerationSizeMb: SEND_HEAP_MB, maxYoungGenerationSizeMb: SEND_YOUNG_MB },
  });
  const abort = () => {
    Atomics.store(abortFlag, 0, 1);
    worker.postMessage({ type: 'abort' } satisfies SendThreadRequest);
  };
  options.signal?.addEventListener('abort', abort, { once: true });
  return new Promise<{ summary: DigestSummary; mailer: 'smtp' | 'outbox' }>((resolve, reject) => {
    let settled = false;
    const settle = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      options.signal?.removeEventListener('abort', abort);
      outcome();
    };
    worker.on('message', (reply: SendThreadReply) => {
      if (reply.type === 'progress') options.onProgress?.(reply.progress);
      else if (reply.type === 'done') settle(() => resolve({ summary: reply.summary, mailer: reply.mailer }));
      // By name and code: callers match errors that way (SendLockedError), not by class.
      else settle(() => reject(Object.assign(new Error(reply.error.message), reply.error)));
    });
    worker.on('error', (error) =>
      settle(() => reject(new Error(`the digest send thread failed (${error.message}); what was sent is recorded: rerun \`tayori digest send\` to resume`))),
    );
    worker.on('exit', (code) =>
      settle(() => reject(new Error(`the digest send thread stopped (exit code ${code}); what was sent is recorded: rerun \`tayori digest send\` to resume`))),
    );
  });
}
