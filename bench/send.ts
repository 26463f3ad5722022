/**
 * Send benchmark (issue 5): tayori's digest send against Postfix's own load generator, through
 * the same sink, in one run, so the ratio holds on a noisy shared machine.
 *
 *   npx tsc -p tsconfig.json && node --expose-gc --import tsx bench/send.ts [N ...]
 *                                     (default: 10000 100000; needs Debian `postfix`:
 *                                      DEBIAN_FRONTEND=noninteractive apt-get install -y postfix)
 *
 * For each N:
 *   - starts `smtp-sink` (Postfix's test SMTP server, a separate process) on a free port;
 *   - tayori: N active subscribers imported by `tayori subscribers import` (another process)
 *     into a fresh SQLite store, a 3-post digest, `sendDigest` with mail.connections =
 *     CONNECTIONS (env, default 4), the real ledger and the SMTP mailer (its pool on a worker
 *     thread); RSS and heap are sampled while it runs (--expose-gc: a GC first, so the start is clean);
 *   - smtp-source: the same number of messages of the same size over the same number of sessions.
 * Each N runs in a fresh process (the peak of one run must not carry into the next).
 * Prints a Markdown table; the figures go into BENCHMARKS.md. Nothing here asserts a timing.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { connect, createServer } from 'node:net';
import { generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempDir } from '../test/helpers/paths.js';
import { digestConfig, loadFull, MONDAY, postsAt, writeWeek } from '../test/digest/support.js';
import { sendDigest, DigestRenderer } from '../src/digest/run.js';
import { createMailer } from '../src/mail/transport.js';
import { openDb } from '../src/store/db.js';
import { countSubscribers } from '../src/store/subscribers.js';
import { unsubscribeUrl } from '../src/digest/message.js';

const CONNECTIONS = Number(process.env.CONNECTIONS ?? 4);
const counts = process.argv.slice(2).map(Number).filter((n) => n > 0);
if (counts.length === 0) counts.push(10_000, 100_000);

function which(tool: string): string {
  for (const dir of ['/usr/sbin', '/usr/bin', '/usr/local/sbin']) {
    const file = path.join(dir, tool);
    if (spawnSync('test', ['-x', file]).status === 0) return file;
  }
  throw new Error(`${tool} not found: install Debian's postfix package (DEBIAN_FRONTEND=noninteractive apt-get install -y postfix)`);
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

async function startSink(port: number): Promise<ChildProcess> {
  // -u: smtp-sink drops privileges when started as root; 1024: listen backlog.
  const args = process.getuid?.() === 0 ? ['-u', 'nobody', `127.0.0.1:${port}`, '1024'] : [`127.0.0.1:${port}`, '1024'];
  const sink = spawn(which('smtp-sink'), args, { stdio: 'ignore' });
  for (let i = 0; i < 100; i++) {
    const up = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => (socket.destroy(), resolve(true)));
      socket.once('error', () => resolve(false));
    });
    if (up) return sink;
    await new Promise((r) => setTimeout(r, 50));
  }
  sink.kill();
  throw new Error('smtp-sink did not start');
}

interface Row {
  n: number;
  size: number;
  tayoriSeconds: number;
  tayoriRate: number;
  sourceSeconds: number;
  sourceRate: number;
  peakRssMb: number;
  rssAt10: number;
  rssAt90: number;
  peakHeapMb: number;
  sent: number;
}

async function runOne(n: number): Promise<Row> {
  const temp = tempDir('tayori-bench-send-');
  const postsDir = path.join(temp.dir, 'posts');
  writeWeek(postsDir);
  // DKIM=1: sign every message with a 2048-bit RSA key (in the SMTP thread), to show what signing costs.
  const dkim = process.env.DKIM === '1';
  const config = digestConfig({
    mail: { connections: CONNECTIONS, retries: 3, retryDelay: 0.1, ...(dkim ? { dkim: { selector: 'bench', domain: 'news.example.com' } } : {}) },
  });
  const dkimKey = dkim
    ? generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()
    : undefined;
  // The list is imported by the real CLI in its own process, so the memory measured below is
  // the send's alone (building 100,000 rows in this process would leave its heap bigger).
  const dbFile = path.join(temp.dir, 'store.sqlite');
  const csv = path.join(temp.dir, 'list.csv');
  writeFileSync(csv, `email\n${Array.from({ length: n }, (_, i) => `reader${i}@example.org`).join('\n')}\n`);
  const imported = spawnSync(process.execPath, [path.resolve('bin/tayori.js'), 'subscribers', 'import', csv], {
    env: { ...process.env, TAYORI_DB: dbFile, TAYORI_CONFIG: path.resolve('config/tayori.yaml') },
    encoding: 'utf8',
  });
  if (imported.status !== 0) throw new Error(`subscribers import failed:\n${imported.stderr}`);
  const db = openDb(dbFile);
  // SYNC=NORMAL shows what the per-commit fsync costs (crash-safe still, not power-loss-safe).
  if (process.env.SYNC) db.pragma(`synchronous = ${process.env.SYNC === 'NORMAL' ? 'NORMAL' : 'FULL'}`);
  if (countSubscribers(db).active !== n) throw new Error(`expected ${n} active subscribers after the import`);
  const posts = postsAt(postsDir, config, MONDAY);

  // Message size: one real message of this digest, built exactly as the send builds it.
  const renderer = new DigestRenderer(config, posts.filter((p) => p.date <= MONDAY && p.date.getTime() >= MONDAY.getTime() - 7 * 86_400_000), loadFull, { start: new Date(MONDAY.getTime() - 7 * 86_400_000), end: MONDAY }, 'templates');
  const rendered = renderer.forCategories([])!;
  const size = renderer.mimeFor(rendered).build({ to: 'reader0@example.org', messageId: '<x@news.example.com>', date: MONDAY, unsubscribeUrl: unsubscribeUrl(config.site.url, 'x'.repeat(32)) }).length;

  const port = await freePort();
  const sink = await startSink(port);
  try {
    const mailer = createMailer(config, { SMTP_URL: `smtp://127.0.0.1:${port}`, ...(dkimKey ? { DKIM_PRIVATE_KEY: dkimKey } : {}) }, path.join(temp.dir, 'outbox'));
    global.gc?.();
    let peakRss = 0;
    let peakHeap = 0;
    let rssAt10 = 0;
    let rssAt90 = 0;
    const sample = () => {
      const m = process.memoryUsage();
      peakRss = Math.max(peakRss, m.rss);
      peakHeap = Math.max(peakHeap, m.heapUsed);
      return m.rss;
    };
    const timer = setInterval(sample, 100);
    const started = performance.now();
    const summary = await sendDigest({
      config, db, mailer, posts, loadFull, now: MONDAY, templatesDir: 'templates',
      onProgress: (p) => {
        if (!rssAt10 && p.sent >= n * 0.1) rssAt10 = sample();
        if (!rssAt90 && p.sent >= n * 0.9) rssAt90 = sample();
      },
    });
    const tayoriSeconds = (performance.now() - started) / 1000;
    clearInterval(timer);
    await mailer.close();

    // The same number of messages of the same size, from Postfix's load generator.
    const sourceStarted = performance.now();
    const source = spawnSync(which('smtp-source'), ['-s', String(CONNECTIONS), '-l', String(size), '-m', String(n), '-f', 'digest@news.example.com', '-t', 'reader@example.org', `127.0.0.1:${port}`], { stdio: 'ignore' });
    const sourceSeconds = (performance.now() - sourceStarted) / 1000;
    if (source.status !== 0) throw new Error(`smtp-source exited with ${source.status}`);
    return {
      n, size, tayoriSeconds, tayoriRate: summary.sent / tayoriSeconds, sourceSeconds, sourceRate: n / sourceSeconds,
      peakRssMb: peakRss / 2 ** 20, rssAt10: rssAt10 / 2 ** 20, rssAt90: rssAt90 / 2 ** 20, peakHeapMb: peakHeap / 2 ** 20, sent: summary.sent,
    };
  } finally {
    sink.kill();
    db.close();
    temp.cleanup();
  }
}

// Each N runs in a process of its own, so the peak memory of one is not inherited by the next.
if (process.env.SEND_BENCH_ONE) {
  console.log(JSON.stringify(await runOne(Number(process.env.SEND_BENCH_ONE))));
  process.exit(0);
}
const rows: Row[] = [];
for (const n of counts) {
  process.stderr.write(`sending ${n} ...\n`);
  const child = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url)], {
    env: { ...process.env, SEND_BENCH_ONE: String(n) },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  if (child.status !== 0) throw new Error(`the run for ${n} failed`);
  rows.push(JSON.parse(child.stdout.trim().split('\n').pop()!) as Row);
}
const f = (x: number, d = 0) => x.toFixed(d);
console.log(`\nDigest send, ${CONNECTIONS} SMTP connections, synchronous=${process.env.SYNC ?? 'FULL'}${process.env.DKIM === '1' ? ', DKIM-signed' : ''}, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}\n`);
console.log('| subscribers | message bytes | tayori s | tayori msg/s | smtp-source s | smtp-source msg/s | ratio | RSS at 10 % / 90 % (MB) | peak RSS (MB) | peak heap (MB) |');
console.log('|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
for (const r of rows) {
  console.log(
    `| ${r.n} | ${r.size} | ${f(r.tayoriSeconds, 1)} | ${f(r.tayoriRate)} | ${f(r.sourceSeconds, 1)} | ${f(r.sourceRate)} | ${f((100 * r.tayoriRate) / r.sourceRate)} % | ${f(r.rssAt10)} / ${f(r.rssAt90)} | ${f(r.peakRssMb)} | ${f(r.peakHeapMb)} |`,
  );
}
