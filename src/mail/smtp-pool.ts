import SMTPConnection from 'nodemailer/lib/smtp-connection';
import { parseConnectionUrl } from 'nodemailer/lib/shared';

/**
 * A small pool of SMTP sessions, in the shape of listmonk's messenger: `connections` sessions
 * (nodemailer's SMTPConnection, which speaks the protocol, STARTTLS, AUTH and dot-stuffing),
 * each sending one message at a time, all fed from one queue in arrival order.
 *
 * Why not nodemailer's pooled transport: every message there, even a prebuilt `raw` one, goes
 * through Mail → plugins → MimeNode → streams before it reaches the same SMTPConnection, and
 * that costs about three times the SMTP exchange itself (4 sessions to Postfix's smtp-sink:
 * about 1,800 messages/s through the pooled transport, about 6,000 straight through
 * SMTPConnection). The digest sends prebuilt MIME, so it skips that layer.
 *
 * Errors are nodemailer's own (code, responseCode, command), so `classify` reads them as before.
 * A session drops its connection after any error except a refused envelope or message on a
 * healthy connection (then RSET and reuse, as nodemailer's pool does); the next message
 * connects again. Nothing is retried here: retries belong to the ledger.
 */
export interface Envelope {
  from: string;
  to: string[];
}

export interface PoolSendInfo {
  response: string;
}

interface Job {
  /** The caller's number for the message (cancelQueued's bound). */
  tag: number;
  envelope: Envelope;
  message: Buffer;
  resolve: (info: PoolSendInfo) => void;
  reject: (error: unknown) => void;
}

type ConnectionOptions = ConstructorParameters<typeof SMTPConnection>[0] & {
  auth?: { user?: string; pass?: string };
};

/** Closed after this long without a message, before the server drops it (RFC 5321 allows 5 minutes). */
const IDLE_CLOSE_MS = 30_000;

export class SmtpPool {
  private readonly queue: Job[] = [];
  private readonly sessions: Session[];
  private readonly inTransfer = new Set<Promise<unknown>>();
  private closed = false;

  constructor(url: string, connections: number) {
    const options = parseConnectionUrl(url) as ConnectionOptions;
    this.sessions = Array.from({ length: Math.max(1, connections) }, () => new Session(options));
  }

  send(envelope: Envelope, message: Buffer, tag = 0): Promise<PoolSendInfo> {
    if (this.closed) return Promise.reject(new Error('the SMTP pool is closed'));
    return new Promise((resolve, reject) => {
      this.queue.push({ tag, envelope, message, resolve, reject });
      this.dispatch();
    });
  }

  /**
   * Fails the queued messages tagged up to `upTo` that no session has started, with a
   * not-sent error (code ENOTSENT): a stopping run hands them back to the ledger instead of
   * waiting for them.
   */
  cancelQueued(upTo: number): void {
    for (let i = this.queue.length - 1; i >= 0; i--) {
      const job = this.queue[i]!;
      if (job.tag > upTo) continue;
      this.queue.splice(i, 1);
      job.reject(notSentError());
    }
  }

  /** Hands queued messages to idle sessions; called on every send and whenever a session frees up. */
  private dispatch(): void {
    for (const session of this.sessions) {
      if (this.queue.length === 0) return;
      if (session.busy) continue;
      const job = this.queue.shift()!;
      session.busy = true;
      const transfer: Promise<unknown> = session
        .deliver(job.envelope, job.message)
        .then(job.resolve, job.reject)
        .finally(() => {
          this.inTransfer.delete(transfer);
          session.busy = false;
          this.dispatch();
        });
      this.inTransfer.add(transfer);
    }
  }

  /** Fails what is still queued, lets messages in transfer finish, then says QUIT. */
  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.queue.splice(0)) job.reject(new Error('the SMTP pool was closed before this message was sent'));
    await Promise.allSettled([...this.inTransfer]);
    for (const session of this.sessions) session.quit();
  }
}

/** A message the run stopped before any session took it: not sent, so not in doubt. */
export function notSentError(): Error {
  return Object.assign(new Error('not sent: the run stopped before this message reached the mail server'), { code: NOT_SENT });
}

export const NOT_SENT = 'ENOTSENT';

class Session {
  busy = false;
  private connection: SMTPConnection | undefined;
  private idleTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: ConnectionOptions) {}

  async deliver(envelope: Envelope, message: Buffer): Promise<PoolSendInfo> {
    clearTimeout(this.idleTimer);
    const connection = this.connection ?? (await this.open());
    try {
      const info = await new Promise<{ response: string }>((resolve, reject) =>
        connection.send(envelope, message, (error, result) => (error ? reject(error) : resolve(result!))),
      );
      return { response: info.response };
    } catch (error) {
      await this.afterError(connection, error as { code?: string; responseCode?: number });
      throw error;
    } finally {
      this.idleTimer = setTimeout(() => this.quit(), IDLE_CLOSE_MS).unref();
    }
  }

  private async open(): Promise<SMTPConnection> {
    const connection = new SMTPConnection(this.options);
    // Errors of a message in transfer reach its send callback; one while idle (the server
    // hung up) only means the next message connects again.
    connection.on('error', () => this.forget(connection));
    connection.once('end', () => this.forget(connection));
    try {
      await untilDone(connection, (done) => connection.connect(done));
      const { user, pass } = this.options.auth ?? {};
      if ((user || pass) && connection.allowsAuth) {
        await untilDone(connection, (done) => connection.login({ user, pass }, (error) => done(error ?? undefined)));
      }
    } catch (error) {
      connection.close();
      throw error;
    }
    this.connection = connection;
    return connection;
  }

  /** A refused envelope or message leaves a healthy session: RSET and keep it. Anything else: drop it. */
  private async afterError(connection: SMTPConnection, error: { code?: string; responseCode?: number }): Promise<void> {
    const refused = (error.code === 'EENVELOPE' || error.code === 'EMESSAGE') && error.responseCode !== 421;
    if (refused && this.connection === connection) {
      const reset = await new Promise<boolean>((resolve) => connection.reset((resetError) => resolve(!resetError)));
      if (reset) return;
    }
    this.forget(connection);
    connection.close();
  }

  private forget(connection: SMTPConnection): void {
    if (this.connection === connection) this.connection = undefined;
  }

  quit(): void {
    clearTimeout(this.idleTimer);
    const connection = this.connection;
    this.connection = undefined;
    connection?.quit();
  }
}

/**
 * Runs a connect or login step. SMTPConnection reports a failure there as an 'error' event (or
 * a bare 'end' when the server hangs up first), not always through the callback: wait for all three.
 */
function untilDone(connection: SMTPConnection, step: (done: (error?: Error) => void) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error) => finish(error);
    const onEnd = () =>
      finish(Object.assign(new Error('the SMTP server closed the connection'), { code: 'ECONNECTION', command: 'CONN' }));
    function finish(error?: Error) {
      connection.off('error', onError);
      connection.off('end', onEnd);
      if (error) reject(error);
      else resolve();
    }
    connection.once('error', onError);
    connection.once('end', onEnd);
    step(finish);
  });
}
