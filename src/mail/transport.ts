import { randomBytes } from 'node:crypto';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import nodemailer from 'nodemailer';
import MailComposer from 'nodemailer/lib/mail-composer';
import { ConfigError } from '../config/error.js';
import type { Config } from '../config/schema.js';
import { NOT_SENT, type Envelope } from './smtp-pool.js';
import { ThreadedSmtpPool } from './smtp-thread.js';

/**
 * The only importers of nodemailer (with smtp-pool.ts). Two transports behind one interface:
 *  - SMTP_URL set: a pool of SMTP sessions (smtp-pool.ts) on its own thread (smtp-thread.ts),
 *    fed prebuilt MIME and DKIM-signing it there; messages that are not prebuilt are composed by
 *    nodemailer's MailComposer first. A failed message comes back to the caller: retries
 *    belong to the ledger.
 *  - otherwise: an outbox folder of .eml files (the embedded default), each written atomically.
 */
export interface OutgoingMessage {
  from: string;
  to: string;
  subject: string;
  text: string;
  html: string;
  replyTo?: string;
  headers?: Record<string, string>;
  messageId?: string;
  /** The Date header; nodemailer's clock when absent. */
  date?: Date;
  /** Prebuilt MIME; when set, the other fields only give the envelope (from, to). */
  raw?: Buffer;
}

export interface SendResult {
  messageId: string;
  response: string;
}

export interface Mailer {
  readonly kind: 'smtp' | 'outbox';
  /**
   * Messages the caller may have in flight at once: for SMTP twice the pool size (one sending
   * on each connection, one queued behind it, so the ledger can commit results in groups).
   * This is also the most that a kill -9 can leave in doubt, and so send twice.
   */
  readonly maxInFlight: number;
  send(message: OutgoingMessage): Promise<SendResult>;
  /**
   * For a stop: messages already given to `send` that have not reached the mail server yet fail
   * at once with kind 'not-sent', so the caller waits only for those in transfer. (The outbox
   * writes each message within its `send` and has nothing to cancel.)
   */
  cancelQueued?(): void;
  close(): Promise<void>;
}

/**
 * How a failed send should be handled:
 *  - temporary: the server answered 4xx; retry this delivery later (counts an attempt).
 *  - permanent: the server refused this recipient with 5xx (RCPT TO); never retry, bounce.
 *  - rejected: the server refused the message itself with 5xx (DATA: too large, spam): the same
 *    content would be refused for everyone, so the subscriber is not bounced.
 *  - unavailable: no answer (refused, dropped, timed out); the server, not the recipient, is the
 *    problem: requeue without counting an attempt, back off the whole run.
 *  - fatal: configuration (authentication, sender refused, a TLS handshake or certificate that
 *    fails): stop the run, nothing is marked.
 *  - not-sent: cancelled before it reached the server (cancelQueued): requeue, no attempt counted.
 */
export type FailureKind = 'temporary' | 'permanent' | 'rejected' | 'unavailable' | 'fatal' | 'not-sent';

export class MailError extends Error {
  override name = 'MailError';
  constructor(
    message: string,
    readonly kind: FailureKind,
    readonly responseCode?: number,
    readonly response?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
export class TemporaryMailError extends MailError {
  override name = 'TemporaryMailError';
}
export class PermanentMailError extends MailError {
  override name = 'PermanentMailError';
}

interface NodemailerLikeError {
  code?: string;
  /** The system or OpenSSL code under nodemailer's own (ESOCKET over ERR_SSL_WRONG_VERSION_NUMBER). */
  originalCode?: string;
  responseCode?: number;
  command?: string;
  response?: string;
  message?: string;
}

const CONNECTION_CODES = new Set(['ECONNECTION', 'ETIMEDOUT', 'ESOCKET', 'EDNS', 'ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'EPROXY']);
const CONFIG_CODES = new Set(['EAUTH', 'ENOAUTH', 'EOAUTH2', 'ETLS', 'EREQUIRETLS', 'ECONFIG']);

/**
 * A TLS failure under a socket error: the handshake (OpenSSL's ERR_SSL_*, Node's ERR_TLS_*) or
 * the server's certificate (CERT_HAS_EXPIRED, DEPTH_ZERO_SELF_SIGNED_CERT,
 * UNABLE_TO_VERIFY_LEAF_SIGNATURE, ERR_TLS_CERT_ALTNAME_INVALID…). The server answered, so it is
 * not unreachable, and waiting does not help: SMTP_URL has to change (README: TLS problems are
 * configuration errors).
 */
function tlsFailure(e: NodemailerLikeError): 'handshake' | 'certificate' | undefined {
  for (const code of [e.originalCode, e.code]) {
    if (!code) continue;
    if (/CERT|^UNABLE_TO_|^HOSTNAME_MISMATCH$/.test(code)) return 'certificate';
    if (/^ERR_SSL_|^ERR_TLS_/.test(code)) return 'handshake';
  }
  return undefined;
}

export function classify(error: unknown): FailureKind {
  if (error instanceof MailError) return error.kind;
  const e = (error ?? {}) as NodemailerLikeError;
  if (e.code === NOT_SENT) return 'not-sent';
  const code = e.responseCode;
  const command = (e.command ?? '').toUpperCase();
  if (typeof code === 'number' && code >= 500 && code < 600) {
    // Only a refused recipient is about this subscriber (bounce). A refused message body would
    // be refused for everyone (no bounce); a refused sender, login or greeting stops the run.
    if (command.startsWith('MAIL') || e.code === 'EAUTH') return 'fatal';
    if (command.startsWith('DATA') || e.code === 'EMESSAGE') return 'rejected';
    if (command.startsWith('RCPT') || e.code === 'EENVELOPE') return 'permanent';
    return 'fatal';
  }
  if (typeof code === 'number' && code >= 400 && code < 500) return 'temporary';
  if (e.code && CONFIG_CODES.has(e.code)) return 'fatal';
  if (tlsFailure(e)) return 'fatal';
  if (e.code && CONNECTION_CODES.has(e.code)) return 'unavailable';
  return 'temporary';
}

/** OpenSSL's message (`C0A6…:error:0A00010B:SSL routines:ssl3_get_record:wrong version number:…`) with its reason only, and the fix. */
function tlsMessage(e: NodemailerLikeError, failure: 'handshake' | 'certificate'): string {
  const code = e.originalCode ?? e.code ?? '';
  const reason = /routines:[^:]*:([^:]+)/.exec(e.message ?? '')?.[1] ?? e.message;
  if (failure === 'certificate') {
    return `the mail server's TLS certificate is not trusted (${code}: ${reason}): the host in SMTP_URL must be a name on the certificate (for a test server with a self-signed certificate, add ?tls.rejectUnauthorized=false to SMTP_URL)`;
  }
  return `TLS handshake with the mail server failed (${code}: ${reason}): smtps:// is for a port that speaks TLS from the start (usually 465); for a server that starts in plain text (port 587 or 25), SMTP_URL needs smtp://, which upgrades with STARTTLS`;
}

function toMailError(error: unknown): MailError {
  if (error instanceof MailError) return error;
  const e = (error ?? {}) as NodemailerLikeError;
  const kind = classify(error);
  const tls = tlsFailure(e);
  const message = tls ? tlsMessage(e, tls) : (e.message ?? String(error));
  const Class = kind === 'temporary' ? TemporaryMailError : kind === 'permanent' ? PermanentMailError : MailError;
  return new Class(message, kind, e.responseCode, e.response, { cause: error });
}

/** RFC 8058: List-Unsubscribe-Post must be signed, and nodemailer's default header list leaves it out. */
export const DKIM_HEADER_FIELDS = [
  'From', 'Sender', 'Reply-To', 'Subject', 'Date', 'Message-ID', 'To', 'Cc', 'MIME-Version', 'Content-Type',
  'Content-Transfer-Encoding', 'List-Id', 'List-Unsubscribe', 'List-Unsubscribe-Post',
].join(':');

function dkimOptions(config: Config, env: NodeJS.ProcessEnv) {
  const key = env.DKIM_PRIVATE_KEY;
  if (!key) return undefined;
  if (!config.mail.dkim) {
    throw new ConfigError('DKIM_PRIVATE_KEY is set but config mail.dkim (selector, domain) is missing; add mail.dkim: { selector: s1, domain: example.com } to the config');
  }
  // The env var may hold the PEM itself or, with literal \n, one line of it.
  const privateKey = key.includes('\\n') ? key.replace(/\\n/g, '\n') : key;
  return { domainName: config.mail.dkim.domain, keySelector: config.mail.dkim.selector, privateKey, headerFieldNames: DKIM_HEADER_FIELDS };
}

function mailOptions(message: OutgoingMessage) {
  if (message.raw) {
    return { raw: message.raw, envelope: { from: addressOf(message.from), to: [message.to] }, messageId: message.messageId };
  }
  return {
    from: message.from,
    to: message.to,
    replyTo: message.replyTo,
    subject: message.subject,
    text: message.text,
    html: message.html,
    headers: message.headers,
    messageId: message.messageId,
    date: message.date,
    textEncoding: 'quoted-printable' as const,
  };
}

/** `Name <a@b>` → `a@b`, for the envelope of prebuilt messages. */
function addressOf(from: string): string {
  const match = /<([^>]+)>\s*$/.exec(from);
  return (match ? match[1]! : from).trim();
}

function validateSmtpUrl(url: string): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConfigError(`SMTP_URL: got ${JSON.stringify(url.replace(/\/\/[^@]*@/, '//***@'))}, expected smtp://user:pass@host:587 or smtps://user:pass@host:465`);
  }
  if (parsed.protocol !== 'smtp:' && parsed.protocol !== 'smtps:') {
    throw new ConfigError(`SMTP_URL: scheme ${parsed.protocol} is not supported; use smtp:// (STARTTLS when offered) or smtps:// (TLS)`);
  }
}

/** The message as bytes for SMTP, with its envelope: prebuilt as is, otherwise composed by nodemailer. */
async function toWire(message: OutgoingMessage): Promise<{ envelope: Envelope; bytes: Buffer; messageId: string }> {
  if (message.raw) {
    return { envelope: { from: addressOf(message.from), to: [message.to] }, bytes: message.raw, messageId: message.messageId ?? '' };
  }
  const node = new MailComposer(mailOptions(message)).compile();
  const bytes = await new Promise<Buffer>((resolve, reject) => node.build((error, built) => (error ? reject(error) : resolve(built))));
  // getEnvelope() puts IDN domains in the envelope the way nodemailer's transports do.
  const { from, to } = node.getEnvelope();
  return { envelope: { from: from || addressOf(message.from), to }, bytes, messageId: node.messageId() };
}

export function createSmtpMailer(config: Config, env: NodeJS.ProcessEnv, url: string): Mailer {
  validateSmtpUrl(url);
  const connections = config.mail.connections;
  const pool = new ThreadedSmtpPool({ url, connections, dkim: dkimOptions(config, env) });
  return {
    kind: 'smtp',
    maxInFlight: 2 * connections,
    async send(message) {
      try {
        const wire = await toWire(message);
        const info = await pool.send(wire.envelope, wire.bytes);
        return { messageId: wire.messageId || message.messageId || '', response: info.response };
      } catch (error) {
        throw toMailError(error);
      }
    },
    cancelQueued: () => pool.cancelQueued(),
    close: () => pool.close(),
  };
}

export function createOutboxMailer(config: Config, env: NodeJS.ProcessEnv, outboxDir: string): Mailer {
  const transport = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'windows', dkim: dkimOptions(config, env) } as Parameters<
    typeof nodemailer.createTransport
  >[0]);
  let counter = 0;
  return {
    kind: 'outbox',
    maxInFlight: config.mail.connections,
    async send(message) {
      let info: { messageId?: string; message?: Buffer };
      try {
        info = (await transport.sendMail(mailOptions(message))) as typeof info;
      } catch (error) {
        throw toMailError(error);
      }
      mkdirSync(outboxDir, { recursive: true });
      // A deterministic Message-ID gives a deterministic name: a re-send after a crash replaces
      // its own file instead of adding a second copy.
      const id = (message.messageId ?? info.messageId ?? '').replace(/[<>]/g, '').replace(/[^A-Za-z0-9._@-]/g, '_');
      const name = id ? `${id}.eml` : `${process.pid}-${++counter}-${randomBytes(6).toString('hex')}.eml`;
      const file = path.join(outboxDir, name);
      const temp = path.join(outboxDir, `.${name}.${process.pid}.tmp`);
      writeFileSync(temp, info.message ?? Buffer.alloc(0));
      renameSync(temp, file);
      return { messageId: info.messageId ?? message.messageId ?? '', response: `written ${file}` };
    },
    async close() {},
  };
}

/** SMTP_URL → pooled SMTP; otherwise the outbox folder. */
export function createMailer(config: Config, env: NodeJS.ProcessEnv, outboxDir: string): Mailer {
  const url = env.SMTP_URL?.trim();
  return url ? createSmtpMailer(config, env, url) : createOutboxMailer(config, env, outboxDir);
}
