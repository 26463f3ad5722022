import type { DKIMOptions } from 'nodemailer/lib/dkim';
import type { Worker } from 'node:worker_threads';
import { startWorker } from '../threads/start.js';
import type { Envelope, PoolSendInfo } from './smtp-pool.js';

/**
 * The SMTP pool on its own thread (smtp-worker.ts), with the same send/close as SmtpPool.
 * Measured with 4 sessions to Postfix's smtp-sink, the main thread was saturated by the
 * ledger, MIME fill-in and the SMTP exchange together; the exchange (nodemailer's dot-stuffing
 * runs over every byte) and DKIM now run beside the rest. Messages are copied across, not
 * transferred: a small Buffer may share its memory with others.
 */
export interface SmtpThreadSetup {
  url: string;
  connections: number;
  dkim?: DKIMOptions;
}

export type SmtpThreadRequest =
  | { type: 'send'; id: number; envelope: Envelope; bytes: Uint8Array }
  /** Fail the messages up to this id that no session has started (SmtpPool.cancelQueued). */
  | { type: 'cancel'; upTo: number }
  | { type: 'close' };

export interface SmtpThreadReply {
  type: 'sent' | 'failed' | 'closed';
  id?: number;
  response?: string;
  error?: { message: string; code?: string; originalCode?: string; responseCode?: number; command?: string; response?: string };
}

interface Pending {
  resolve: (info: PoolSendInfo) => void;
  reject: (error: unknown) => void;
}

export class ThreadedSmtpPool {
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private exited: Error | undefined;
  private closing: Promise<void> | undefined;

  constructor(setup: SmtpThreadSetup) {
    // A capped heap: V8 then collects as it goes instead of letting garbage pile up to a multiple
    // of the live heap (see digest/send-thread.ts); the sessions keep only the messages in transfer.
    this.worker = startWorker(new URL('./smtp-worker.js', import.meta.url), {
      workerData: setup,
      resourceLimits: { maxOldGenerationSizeMb: 128, maxYoungGenerationSizeMb: 12 },
    });
    // Only messages under way keep the process alive, as sockets of an idle pool would not.
    this.worker.unref();
    this.worker.on('message', (reply: SmtpThreadReply) => this.settle(reply));
    const lost = (error: Error) => {
      this.exited = error;
      for (const { reject } of this.pending.values()) reject(error);
      this.pending.clear();
    };
    this.worker.on('error', (error) => lost(Object.assign(new Error(`the SMTP thread failed: ${error.message}`), { code: 'ECONNECTION' })));
    this.worker.on('exit', () => lost(Object.assign(new Error('the SMTP thread stopped'), { code: 'ECONNECTION' })));
  }

  send(envelope: Envelope, bytes: Buffer): Promise<PoolSendInfo> {
    if (this.exited) return Promise.reject(this.exited);
    if (this.closing) return Promise.reject(new Error('the SMTP pool is closed'));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      if (this.pending.size === 0) this.worker.ref();
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ type: 'send', id, envelope, bytes } satisfies SmtpThreadRequest);
    });
  }

  /** Every message sent so far that no session has started fails with a not-sent error (code ENOTSENT). */
  cancelQueued(): void {
    if (!this.exited) this.worker.postMessage({ type: 'cancel', upTo: this.nextId - 1 } satisfies SmtpThreadRequest);
  }

  private settle(reply: SmtpThreadReply): void {
    const waiting = reply.id === undefined ? undefined : this.pending.get(reply.id);
    if (!waiting) return;
    this.pending.delete(reply.id!);
    if (this.pending.size === 0) this.worker.unref();
    if (reply.type === 'sent') waiting.resolve({ response: reply.response ?? '' });
    else waiting.reject(Object.assign(new Error(reply.error?.message ?? 'send failed'), reply.error));
  }

  /** Lets messages in transfer finish, QUITs the sessions, ends the thread (at once if QUIT hangs). */
  close(): Promise<void> {
    this.closing ??= (async () => {
      if (this.exited) return;
      this.worker.ref();
      const exited = new Promise<void>((resolve) => this.worker.once('exit', () => resolve()));
      this.worker.postMessage({ type: 'close' } satisfies SmtpThreadRequest);
      const timer = setTimeout(() => void this.worker.terminate(), QUIT_GRACE_MS);
      await exited;
      clearTimeout(timer);
    })();
    return this.closing;
  }
}

/** How long the sessions get to finish their transfers and QUIT before the thread is stopped. */
const QUIT_GRACE_MS = 10_000;
