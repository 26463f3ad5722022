import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer, type SMTPServerAddress } from 'smtp-server';

/** One message as the server received it: raw bytes, envelope and the mailparser view. */
export interface Received {
  raw: Buffer;
  mailFrom: string;
  rcptTo: string[];
  mail: ParsedMail;
}

export interface SmtpBehaviour {
  /** Reply to RCPT TO for `address`: undefined accepts; e.g. { code: 550, message: 'no such user' }. `attempt` counts from 1. */
  rcpt?: (address: string, attempt: number) => { code: number; message: string } | undefined;
  /** Require login and refuse every password (535), like a server given the wrong credentials. */
  refuseLogin?: boolean;
  /** Milliseconds to hold each message before accepting it (so a test can kill the sender mid-send). */
  dataDelayMs?: number;
  /** Reply to the message data for these recipients: undefined accepts; e.g. { code: 552, message: 'message too large' }. */
  data?: (rcptTo: string[]) => { code: number; message: string } | undefined;
}

/** A real SMTP server in the test process (smtp-server), keeping every accepted message. */
export interface TestSmtp {
  url: string;
  port: number;
  received: Received[];
  /** RCPT TO attempts per address (accepted or not). */
  rcptAttempts: Map<string, number>;
  behaviour: SmtpBehaviour;
  waitFor(count: number, ms?: number): Promise<Received[]>;
  /** Writes every received message as NNNNNN.eml plus a NNNNNN.json sidecar with rcpt_tos (for mail-check). */
  writeEml(dir: string): string;
  close(): Promise<void>;
}

/** `port`: listen there (a server brought back where an earlier one was); default any free port. */
export async function startTestSmtp(behaviour: SmtpBehaviour = {}, { port: listenPort = 0 }: { port?: number } = {}): Promise<TestSmtp> {
  const received: Received[] = [];
  const rcptAttempts = new Map<string, number>();
  const server = new SMTPServer({
    authOptional: !behaviour.refuseLogin,
    allowInsecureAuth: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onAuth(_auth, _session, callback) {
      if (behaviour.refuseLogin) return callback(new Error('Invalid username or password'));
      callback(null, { user: 'test' });
    },
    size: 10 * 1024 * 1024,
    onRcptTo(address: SMTPServerAddress, _session, callback) {
      const email = address.address.toLowerCase();
      const attempt = (rcptAttempts.get(email) ?? 0) + 1;
      rcptAttempts.set(email, attempt);
      const reply = behaviour.rcpt?.(email, attempt);
      if (!reply) return callback();
      const error = new Error(reply.message) as Error & { responseCode: number };
      error.responseCode = reply.code;
      callback(error);
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks);
        const refusal = behaviour.data?.(session.envelope.rcptTo.map((r) => r.address.toLowerCase()));
        if (refusal) {
          const error = new Error(refusal.message) as Error & { responseCode: number };
          error.responseCode = refusal.code;
          return callback(error);
        }
        const finish = () =>
          simpleParser(raw)
            .then((mail) => {
              received.push({
                raw,
                mailFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
                rcptTo: session.envelope.rcptTo.map((r) => r.address),
                mail,
              });
              callback();
            })
            .catch(callback);
        if (behaviour.dataDelayMs) setTimeout(finish, behaviour.dataDelayMs);
        else void finish();
      });
    },
  });
  // A client killed with SIGKILL resets its connections; that is expected here, not a test failure.
  server.on('error', () => {});
  await new Promise<void>((resolve) => server.listen(listenPort, '127.0.0.1', resolve));
  const address = server.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `smtp://127.0.0.1:${port}`,
    port,
    received,
    rcptAttempts,
    behaviour,
    async waitFor(count, ms = 20_000) {
      const deadline = Date.now() + ms;
      while (received.length < count) {
        if (Date.now() > deadline) throw new Error(`expected ${count} message(s), got ${received.length}`);
        await new Promise((r) => setTimeout(r, 20));
      }
      return received;
    },
    writeEml(dir) {
      mkdirSync(dir, { recursive: true });
      received.forEach((r, i) => {
        const base = path.join(dir, String(i + 1).padStart(6, '0'));
        writeFileSync(`${base}.eml`, r.raw);
        writeFileSync(`${base}.json`, JSON.stringify({ mail_from: r.mailFrom, rcpt_tos: r.rcptTo }));
      });
      return dir;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
