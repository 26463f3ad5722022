import { afterEach, describe, expect, it } from 'vitest';
import { createServer } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { classify } from '../../src/mail/transport.js';
import { SmtpPool } from '../../src/mail/smtp-pool.js';
import { ThreadedSmtpPool } from '../../src/mail/smtp-thread.js';

/** A real SMTP server that counts connections and can refuse a recipient or hold a message. */
async function countingServer(options: { refuse?: string; holdMs?: number; idleCloseMs?: number } = {}) {
  const state = { connections: 0, messages: [] as Array<{ from: string; to: string[]; bytes: number }> };
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    ...(options.idleCloseMs ? { socketTimeout: options.idleCloseMs } : {}),
    onConnect(_session, callback) {
      state.connections++;
      callback();
    },
    onRcptTo(address, _session, callback) {
      if (address.address === options.refuse) return callback(Object.assign(new Error('no such user'), { responseCode: 550 }));
      callback();
    },
    onData(stream, session, callback) {
      let bytes = 0;
      stream.on('data', (c: Buffer) => (bytes += c.length));
      stream.on('end', () => {
        const done = () => {
          state.messages.push({ from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '', to: session.envelope.rcptTo.map((r) => r.address), bytes });
          callback();
        };
        if (options.holdMs) setTimeout(done, options.holdMs);
        else done();
      });
    },
  });
  server.on('error', () => {});
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as { port: number }).port;
  return { url: `smtp://127.0.0.1:${port}`, state, close: () => new Promise<void>((r) => server.close(() => r())) };
}

const message = (n: number) => Buffer.from(`From: a@example.com\r\nTo: r${n}@example.org\r\nSubject: ${n}\r\n\r\n.leading dot line ${n}\r\n`);
const envelope = (n: number) => ({ from: 'a@example.com', to: [`r${n}@example.org`] });

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

describe('SmtpPool', () => {
  it('sends every message once over at most `connections` sessions, keeping the envelope', async () => {
    const server = await countingServer();
    cleanups.push(server.close);
    const pool = new SmtpPool(server.url, 3);
    cleanups.push(() => pool.close());
    const results = await Promise.all(Array.from({ length: 30 }, (_, n) => pool.send(envelope(n), message(n))));
    expect(results.every((r) => /^250/.test(r.response))).toBe(true);
    expect(server.state.connections).toBeLessThanOrEqual(3);
    expect(server.state.messages.map((m) => m.to[0]).sort()).toEqual(Array.from({ length: 30 }, (_, n) => `r${n}@example.org`).sort());
    expect(server.state.messages.every((m) => m.from === 'a@example.com')).toBe(true);
  });

  it('a refused recipient fails that message only; the session is reset and reused', async () => {
    const server = await countingServer({ refuse: 'r1@example.org' });
    cleanups.push(server.close);
    const pool = new SmtpPool(server.url, 1);
    cleanups.push(() => pool.close());
    await pool.send(envelope(0), message(0));
    const refused = await pool.send(envelope(1), message(1)).catch((error: unknown) => error);
    expect(classify(refused)).toBe('permanent');
    await pool.send(envelope(2), message(2));
    expect(server.state.messages.map((m) => m.to[0])).toEqual(['r0@example.org', 'r2@example.org']);
    expect(server.state.connections).toBe(1);
  });

  it('a session the server closed while idle connects again for the next message', async () => {
    const server = await countingServer({ idleCloseMs: 150 });
    cleanups.push(server.close);
    const pool = new SmtpPool(server.url, 1);
    cleanups.push(() => pool.close());
    await pool.send(envelope(0), message(0));
    await new Promise((r) => setTimeout(r, 500));
    await pool.send(envelope(1), message(1));
    expect(server.state.messages).toHaveLength(2);
    expect(server.state.connections).toBe(2);
  });

  it('no server: the message fails as "unavailable" (requeued by the ledger, not failed)', async () => {
    const pool = new SmtpPool(`smtp://127.0.0.1:${await freePort()}`, 1);
    cleanups.push(() => pool.close());
    const error = await pool.send(envelope(0), message(0)).catch((e: unknown) => e);
    expect(classify(error)).toBe('unavailable');
  });

  it('close lets the message in transfer finish and fails the ones still queued', async () => {
    const server = await countingServer({ holdMs: 200 });
    cleanups.push(server.close);
    const pool = new SmtpPool(server.url, 1);
    const first = pool.send(envelope(0), message(0));
    const second = pool.send(envelope(1), message(1)).catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 50));
    await pool.close();
    await expect(first).resolves.toMatchObject({ response: expect.stringMatching(/^250/) });
    expect(await second).toBeInstanceOf(Error);
    expect(server.state.messages.map((m) => m.to[0])).toEqual(['r0@example.org']);
  });
});

describe('ThreadedSmtpPool (the pool on its own thread)', () => {
  it('sends through the worker thread and brings SMTP errors back with the fields classify reads', async () => {
    const server = await countingServer({ refuse: 'r3@example.org' });
    cleanups.push(server.close);
    const pool = new ThreadedSmtpPool({ url: server.url, connections: 2 });
    cleanups.push(() => pool.close());
    const outcomes = await Promise.allSettled(Array.from({ length: 10 }, (_, n) => pool.send(envelope(n), message(n))));
    const refused = outcomes[3]!;
    expect(refused.status).toBe('rejected');
    expect(classify((refused as PromiseRejectedResult).reason)).toBe('permanent');
    expect((refused as PromiseRejectedResult).reason).toMatchObject({ responseCode: 550, code: 'EENVELOPE' });
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(9);
    expect(server.state.messages).toHaveLength(9);
    expect(server.state.connections).toBeLessThanOrEqual(2);
    await pool.close();
    await expect(pool.send(envelope(20), message(20))).rejects.toThrow(/closed|stopped/);
  });
});
