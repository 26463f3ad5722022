import type { Config } from '../config/schema.js';
import type { Post } from '../content/post.js';
import { startWorker } from '../threads/start.js';
import type { DigestSummary, Progress } from './run.js';

/**
 * `sendDigest` on a thread of its own, with a bounded heap: how `tayori digest send` and the
 * scheduler run a real send. The ledger, the MIME fill-in and the SMTP thread are the same as
 * in-process; the thread opens its own connection to the store and makes its own mailer.
 *
 * Why a thread: each message leaves a little garbage that outlives the young generation (about
 * 0.45 kB a message, measured on the sending thread), and V8 collects the old generation only
 * once it has grown to a multiple (up to 4×) of what the last full collection left. In the
 * CLI's main thread that is the ~22 MB of loaded modules, so only a long send reached it and a
 * send to 100,000 peaked higher than one to 10,000. On a thread whose heap is capped
 * (`resourceLimits`), V8 grows the limit by a smaller factor and collects as it goes, so the
 * peak is the same for any list size. The cap is far above what a send keeps alive (the
 * digest's posts and renderings, and the messages in flight).
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

export type SendThreadRequest = { type: 'abort' };
export type SendThreadReply =
  | { type: 'progress'; progress: Progress }
  | { type: 'done'; summary: DigestSummary; mailer: 'smtp' | 'outbox' }
  | { type: 'failed'; error: { name: string; message: string; stack?: string } };

export const PROGRESS_EVERY_MS = 100;
/** The send thread's old-generation cap (see above); a send keeps well under 50 MB alive. */
const SEND_HEAP_MB = 256;
const SEND_YOUNG_MB = 12;

export function sendDigestOnThread(job: SendJob, options: SendOnThreadOptions = {}): Promise<{ summary: DigestSummary; mailer: 'smtp' | 'outbox' }> {
  const worker = startWorker(new URL('./send-worker.js', import.meta.url), {
    workerData: job,
    resourceLimits: { maxOldGenerationSizeMb: SEND_HEAP_MB, maxYoungGenerationSizeMb: SEND_YOUNG_MB },
  });
  const abort = () => worker.postMessage({ type: 'abort' } satisfies SendThreadRequest);
  if (options.signal?.aborted) abort();
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
      else settle(() => reject(Object.assign(new Error(reply.error.message), { name: reply.error.name, stack: reply.error.stack })));
    });
    worker.on('error', (error) =>
      settle(() => reject(new Error(`the digest send thread failed (${error.message}); what was sent is recorded: rerun \`tayori digest send\` to resume`))),
    );
    worker.on('exit', (code) =>
      settle(() => reject(new Error(`the digest send thread stopped (exit code ${code}); what was sent is recorded: rerun \`tayori digest send\` to resume`))),
    );
  });
}
