/**
 * Why tayori has its own SMTP pool (BENCHMARKS.md, "Digest send"): the same 10 kB prebuilt
 * message sent N times over C sessions to Postfix's smtp-sink (separate process), three ways:
 *   1. nodemailer's pooled transport with `raw` (at most 2 × C in flight, as tayori keeps it);
 *   2. C of nodemailer's SMTPConnection, each sending one message after the other;
 *   3. Postfix's smtp-source, the reference.
 *
 *   node bench/smtp-transports.mjs [N] [C]      (default 10000 4; needs Debian `postfix`)
 */
import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import nodemailer from 'nodemailer';
import SMTPConnection from 'nodemailer/lib/smtp-connection';

const N = Number(process.argv[2] ?? 10000);
const C = Number(process.argv[3] ?? 4);
const port = 20000 + Math.floor(Math.random() * 20000);
const asRoot = process.getuid?.() === 0 ? ['-u', 'nobody'] : [];
const sink = spawn('/usr/sbin/smtp-sink', [...asRoot, `127.0.0.1:${port}`, '1024'], { stdio: 'ignore' });
for (let up = false; !up; ) {
  up = await new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => setTimeout(() => resolve(false), 50));
  });
}
const message = Buffer.from(`From: a@example.com\r\nTo: b@example.org\r\nSubject: hi\r\n\r\n${`${'x'.repeat(76)}\r\n`.repeat(125)}`);
const rate = (started) => Math.round(N / ((performance.now() - started) / 1000));

let started = performance.now();
const transport = nodemailer.createTransport({ host: '127.0.0.1', port, pool: true, maxConnections: C, maxMessages: Infinity });
const inFlight = new Set();
for (let i = 0; i < N; i++) {
  const send = transport.sendMail({ raw: message, envelope: { from: 'a@example.com', to: [`r${i}@example.org`] } }).finally(() => inFlight.delete(send));
  inFlight.add(send);
  if (inFlight.size >= 2 * C) await Promise.race(inFlight);
}
await Promise.all(inFlight);
transport.close();
console.log(`nodemailer pooled transport (raw): ${rate(started)} msg/s`);

started = performance.now();
let next = 0;
await Promise.all(
  Array.from({ length: C }, async () => {
    const session = new SMTPConnection({ host: '127.0.0.1', port });
    await new Promise((resolve, reject) => {
      session.once('error', reject);
      session.connect(resolve);
    });
    while (next < N) {
      const i = next++;
      await new Promise((resolve, reject) =>
        session.send({ from: 'a@example.com', to: [`r${i}@example.org`] }, message, (error, info) => (error ? reject(error) : resolve(info))),
      );
    }
    session.quit();
  }),
);
console.log(`SMTPConnection × ${C}: ${rate(started)} msg/s`);

started = performance.now();
const source = spawn('/usr/sbin/smtp-source', ['-s', String(C), '-l', String(message.length), '-m', String(N), '-f', 'a@example.com', '-t', 'b@example.org', `127.0.0.1:${port}`], { stdio: 'ignore' });
await new Promise((resolve) => source.on('exit', resolve));
console.log(`smtp-source: ${rate(started)} msg/s`);
sink.kill();
