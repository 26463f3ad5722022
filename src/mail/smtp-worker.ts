/**
 * The SMTP sessions' thread (see smtp-thread.ts): runs an SmtpPool and, when configured, the
 * DKIM signer, so the protocol work, dot-stuffing and RSA signatures use the second core while
 * the main thread keeps the ledger and builds the next messages.
 */
import { parentPort, workerData } from 'node:worker_threads';
import DKIM from 'nodemailer/lib/dkim';
import { notSentError, SmtpPool } from './smtp-pool.js';
import type { SmtpThreadReply, SmtpThreadRequest, SmtpThreadSetup } from './smtp-thread.js';

const setup = workerData as SmtpThreadSetup;
const pool = new SmtpPool(setup.url, setup.connections);
const dkim = setup.dkim ? new DKIM(setup.dkim) : undefined;
const port = parentPort!;
/** Messages up to this id were cancelled: one still being signed must not reach the pool. */
let cancelledUpTo = 0;

async function signed(bytes: Buffer): Promise<Buffer> {
  if (!dkim) return bytes;
  const chunks: Buffer[] = [];
  for await (const chunk of dkim.sign(bytes)) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Only plain fields cross threads: keep what classify() reads from nodemailer's errors. */
function plainError(error: unknown): NonNullable<SmtpThreadReply['error']> {
  const e = (error ?? {}) as { message?: string; code?: string; originalCode?: string; responseCode?: number; command?: string; response?: string };
  return { message: e.message ?? String(error), code: e.code, originalCode: e.originalCode, responseCode: e.responseCode, command: e.command, response: e.response };
}

port.on('message', (request: SmtpThreadRequest) => {
  if (request.type === 'close') {
    // After the sessions said QUIT, only their sockets keep the thread alive: it ends on its own.
    void pool.close().then(() => {
      port.postMessage({ type: 'closed' } satisfies SmtpThreadReply);
      port.close();
    });
    return;
  }
  if (request.type === 'cancel') {
    cancelledUpTo = Math.max(cancelledUpTo, request.upTo);
    pool.cancelQueued(request.upTo);
    return;
  }
  const bytes = Buffer.from(request.bytes.buffer, request.bytes.byteOffset, request.bytes.byteLength);
  signed(bytes)
    .then((message) => (request.id <= cancelledUpTo ? Promise.reject(notSentError()) : pool.send(request.envelope, message, request.id)))
    .then(
      (info) => port.postMessage({ type: 'sent', id: request.id, response: info.response } satisfies SmtpThreadReply),
      (error: unknown) => port.postMessage({ type: 'failed', id: request.id, error: plainError(error) } satisfies SmtpThreadReply),
    );
});
