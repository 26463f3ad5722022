/**
 * The digest send thread (started by send-thread.ts): opens the store, makes the mailer, runs
 * sendDigest, and reports progress (throttled) and the summary or the error.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { loadFull } from '../content/body.js';
import { createMailer } from '../mail/transport.js';
import { openDb } from '../store/db.js';
import { sendDigest, type DigestSummary, type Progress } from './run.js';
import { PROGRESS_EVERY_MS, type SendThreadData, type SendThreadReply, type SendThreadRequest } from './send-thread.js';

const job = workerData as SendThreadData;
const port = parentPort!;
const controller = new AbortController();
port.on('message', (request: SendThreadRequest) => {
  if (request.type === 'abort') controller.abort();
});

const post = (reply: SendThreadReply) => port.postMessage(reply);
let reported = -Infinity;
let latest: Progress | undefined;
const onProgress = (progress: Progress) => {
  latest = progress;
  const now = performance.now();
  if (now - reported < PROGRESS_EVERY_MS) return;
  reported = now;
  latest = undefined;
  post({ type: 'progress', progress });
};

try {
  const db = openDb(job.databaseFile);
  // SQLite's own default page cache (2 MB) instead of better-sqlite3's 16 MB: a send walks the
  // deliveries once, in order, so a bigger cache only holds more of a bigger list, and the
  // memory of a send to 100,000 would end up above one to 10,000.
  db.pragma('cache_size = -2000');
  let summary: DigestSummary;
  let kind: 'smtp' | 'outbox';
  try {
    const mailer = createMailer(job.config, job.env, job.outboxDir);
    kind = mailer.kind;
    // Aborted while this thread was starting: the message above would be read only at the
    // send's first wait, after a first batch had gone out.
    if (Atomics.load(job.abortFlag, 0) === 1) controller.abort();
    try {
      summary = await sendDigest({
        config: job.config,
        db,
        mailer,
        posts: job.posts,
        loadFull,
        now: job.now,
        key: job.key,
        templatesDir: job.templatesDir,
        resumeAbandoned: job.resumeAbandoned,
        signal: controller.signal,
        onProgress,
      });
    } finally {
      await mailer.close();
    }
  } finally {
    db.close();
  }
  if (latest) post({ type: 'progress', progress: latest });
  post({ type: 'done', summary, mailer: kind });
} catch (error) {
  const e = error instanceof Error ? error : new Error(String(error));
  const code = (e as NodeJS.ErrnoException).code;
  post({ type: 'failed', error: { name: e.name, message: e.message, ...(code ? { code } : {}), stack: e.stack } });
}
port.close();
