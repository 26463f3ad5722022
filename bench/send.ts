/**
 * Send benchmark (issue 5): tayori's digest send against Postfix's own load generator, through
 * the same sink, in one run, so the ratio holds on a noisy shared machine.
 *
 *   npx tsc -p tsconfig.json && npx tsx bench/send.ts [N ...]
 *                                     (default: 10000 100000; needs Debian `postfix`:
 *                                      DEBIAN_FRONTEND=noninteractive apt-get install -y postfix)
 *
 * For each N:
 *   - starts `smtp-sink` (Postfix's test SMTP server, a separate process) on a free port;
 *   - tayori: N active subscribers imported by `tayori subscribers import` into a fresh SQLite
 *     store, then the real `tayori digest send` (built CLI, its own process) of a 3-post digest
 *     with mail.connections = CONNECTIONS (env, default 4). Its rate is the one it prints (the
 *     send itself, without Node's start-up); its memory is the whole process's: peak RSS from
 *     /usr/bin/time, and RSS read from /proc when its progress lines say 10 % and 90 %;
 *   - smtp-source: the same number of messages of the same size over the same number of sessions.
 * Prints a Markdown table; the figures go into BENCHMARKS.md. Nothing here asserts a timing.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { connect, createServer } from 'node:net';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { tempDir } from '../test/helpers/paths.js';
import { loadFull, MONDAY, postsAt, writeWeek } from '../test/digest/support.js';
import { parseConfig } from '../src/config/load.js';
import { DigestRenderer } from '../src/digest/run.js';
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
  commandSeconds: number;
  sourceSeconds: number;
  sourceRate: number;
  peakRssMb: number;
  rssAt10: number;
  rssAt90: number;
  sent: number;
}

function rssMb(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
  } catch {
    return 0;
  }
}

/** `tayori digest send` in its own process, as a user runs it; resolves with what it printed and its memory. */
function runCli(args: string[], env: NodeJS.ProcessEnv, n: number): Promise<{ stdout: string; peakRssMb: number; rssAt10: number; rssAt90: number; seconds: number }> {
  const timeFile = path.join(mkdtempSync(path.join(tmpdir(), 'tayori-time-')), 'peak');
  const started = performance.now();
  const child = spawn('/usr/bin/time', ['-f', '%M', '-o', timeFile, process.execPath, path.resolve('bin/tayori.js'), ...args], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  let stdout = '';
  let rssAt10 = 0;
  let rssAt90 = 0;
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    for (const [, done] of chunk.matchAll(/^progress: (\d+)\//gm)) {
      // The node process is /usr/bin/time's only child.
      const pid = Number(spawnSync('pgrep', ['-P', String(child.pid)], { encoding: 'utf8' }).stdout.trim().split('\n')[0]);
      if (!rssAt10 && Number(done) >= n * 0.1) rssAt10 = rssMb(pid);
      if (!rssAt90 && Number(done) >= n * 0.9) rssAt90 = rssMb(pid);
    }
  });
  return new Promise((resolve, reject) => {
    // 'close', not 'exit': the summary line may still be in the pipe when the process exits.
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`tayori ${args.join(' ')} exited with ${code}:\n${stdout}`));
      const peakKb = Number(readFileSync(timeFile, 'utf8').trim().split('\n').pop());
      resolve({ stdout, peakRssMb: peakKb / 1024, rssAt10, rssAt90, seconds: (performance.now() - started) / 1000 });
    });
  });
}

async function runOne(n: number): Promise<Row> {
  const temp = tempDir('tayori-bench-send-');
  const postsDir = path.join(temp.dir, 'posts');
  writeWeek(postsDir);
  // DKIM=1: sign every message with a 2048-bit RSA key (in the SMTP thread), to show what signing costs.
  const dkim = process.env.DKIM === '1';
  const configInput = {
    site: { title: 'たより手帖 & Notes', url: 'https://news.example.com/', language: 'ja', author: 'たより編集部', timezone: 'Asia/Tokyo' },
    digest: { from: 'たより手帖 <digest@news.example.com>', lookback: 7 },
    mail: { connections: CONNECTIONS, retries: 3, retryDelay: 0.1, ...(dkim ? { dkim: { selector: 'bench', domain: 'news.example.com' } } : {}) },
    paths: { posts: postsDir, database: path.join(temp.dir, 'store.sqlite'), outbox: path.join(temp.dir, 'outbox'), templates: path.resolve('templates') },
  };
  const config = parseConfig(configInput);
  // YAML is a superset of JSON: the CLI reads this as it reads config/tayori.yaml.
  const configFile = path.join(temp.dir, 'tayori.yaml');
  writeFileSync(configFile, JSON.stringify(configInput, null, 2));
  const dkimKey = dkim
    ? generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()
    : undefined;
  const csv = path.join(temp.dir, 'list.csv');
  writeFileSync(csv, `email\n${Array.from({ length: n }, (_, i) => `reader${i}@example.org`).join('\n')}\n`);
  const imported = spawnSync(process.execPath, [path.resolve('bin/tayori.js'), 'subscribers', 'import', '--config', configFile, csv], { encoding: 'utf8' });
  if (imported.status !== 0) throw new Error(`subscribers import failed:\n${imported.stderr}`);
  const db = openDb(config.paths.database);
  if (countSubscribers(db).active !== n) throw new Error(`expected ${n} active subscribers after the import`);
  db.close();

  // Message size: one real message of this digest, built exactly as the send builds it.
  const posts = postsAt(postsDir, config, MONDAY);
  const renderer = new DigestRenderer(config, posts.filter((p) => p.date <= MONDAY && p.date.getTime() >= MONDAY.getTime() - 7 * 86_400_000), loadFull, { start: new Date(MONDAY.getTime() - 7 * 86_400_000), end: MONDAY }, 'templates');
  const rendered = renderer.forCategories([])!;
  const size = renderer.mimeFor(rendered).build({ to: 'reader0@example.org', messageId: '<x@news.example.com>', date: MONDAY, unsubscribeUrl: unsubscribeUrl(config.site.url, 'x'.repeat(32)) }).length;

  const port = await freePort();
  const sink = await startSink(port);
  try {
    const env: NodeJS.ProcessEnv = { ...process.env, SMTP_URL: `smtp://127.0.0.1:${port}`, ...(dkimKey ? { DKIM_PRIVATE_KEY: dkimKey } : {}) };
    delete env.TAYORI_DB;
    const run = await runCli(['digest', 'send', '--config', configFile, '--now', MONDAY.toISOString()], env, n);
    const summary = /sent (\d+), .*; ([\d.]+) s, ([\d.]+) messages\/s/.exec(run.stdout);
    if (!summary || Number(summary[1]) !== n) throw new Error(`the send did not reach all ${n} subscribers:\n${run.stdout.slice(-500)}`);

    // The same number of messages of the same size, from Postfix's load generator.
    const sourceStarted = performance.now();
    const source = spawnSync(which('smtp-source'), ['-s', String(CONNECTIONS), '-l', String(size), '-m', String(n), '-f', 'digest@news.example.com', '-t', 'reader@example.org', `127.0.0.1:${port}`], { stdio: 'ignore' });
    const sourceSeconds = (performance.now() - sourceStarted) / 1000;
    if (source.status !== 0) throw new Error(`smtp-source exited with ${source.status}`);
    return {
      n, size, tayoriSeconds: Number(summary[2]), tayoriRate: Number(summary[3]), commandSeconds: run.seconds, sourceSeconds, sourceRate: n / sourceSeconds,
      peakRssMb: run.peakRssMb, rssAt10: run.rssAt10, rssAt90: run.rssAt90, sent: Number(summary[1]),
    };
  } finally {
    sink.kill();
    temp.cleanup();
  }
}

const rows: Row[] = [];
for (const n of counts) {
  process.stderr.write(`sending ${n} ...\n`);
  rows.push(await runOne(n));
}
const f = (x: number, d = 0) => x.toFixed(d);
console.log(`\nDigest send (\`tayori digest send\`), ${CONNECTIONS} SMTP connections${process.env.DKIM === '1' ? ', DKIM-signed' : ''}, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}\n`);
console.log('| subscribers | message bytes | tayori send s | tayori msg/s | whole command s | smtp-source s | smtp-source msg/s | ratio | RSS at 10 % / 90 % (MB) | peak RSS (MB) |');
console.log('|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
for (const r of rows) {
  console.log(
    `| ${r.n} | ${r.size} | ${f(r.tayoriSeconds, 1)} | ${f(r.tayoriRate)} | ${f(r.commandSeconds, 1)} | ${f(r.sourceSeconds, 1)} | ${f(r.sourceRate)} | ${f((100 * r.tayoriRate) / r.sourceRate)} % | ${f(r.rssAt10)} / ${f(r.rssAt90)} | ${f(r.peakRssMb)} |`,
  );
}
